import time
words = []
state = 12345
for _ in range(300000):
    state = (state * 1103515245 + 12345) % 2147483648
    words.append(f"w{state % 5000}")
t0 = time.perf_counter()
counts = {}
for w in words:
    counts[w] = counts.get(w, 0) + 1
top = sorted(counts.keys(), key=lambda k: (-counts[k], k))
print(len(counts), top[0], counts[top[0]], time.perf_counter() - t0)
