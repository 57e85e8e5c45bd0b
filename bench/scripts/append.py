import time
t0 = time.perf_counter()
xs = []
d = {"k": []}
grid = [[], []]
for i in range(100000):
    xs.append(i)
    d["k"].append(i)
    grid[1].append(i)
print(len(xs) + len(d["k"]) + len(grid[1]), time.perf_counter() - t0)
