import time
def make_task(kind, seed):
    count = 0
    v = seed
    if kind == "idle":
        def run(p):
            nonlocal count, v
            count += 1
            v = (v * 17 + 1) % 1021
            return v % 4, p
    elif kind == "worker":
        def run(p):
            nonlocal count
            count += 1
            return (p + count) % 4, p + 1
    elif kind == "handler":
        def run(p):
            nonlocal count
            count += p % 3
            return (count + 1) % 4, p * 2 % 9973 + 1
    else:
        def run(p):
            nonlocal count
            count += 1
            return (0 if count % 2 == 0 else 2), p + count % 7
    return {"kind": kind, "run": run}
def schedule(tasks, steps):
    i = 0
    p = 1
    seen = {"idle": 0, "worker": 0, "handler": 0, "device": 0}
    for _ in range(steps):
        task = tasks[i]
        seen[task["kind"]] += 1
        nxt, q = task["run"](p)
        i = nxt
        p = q
    return p, seen
tasks = [make_task("idle", 3), make_task("worker", 5), make_task("handler", 7), make_task("device", 11)]
t0 = time.perf_counter()
p, seen = schedule(tasks, 300000)
print(p, seen["idle"], seen["worker"], seen["handler"], seen["device"], time.perf_counter() - t0)
