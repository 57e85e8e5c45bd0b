import math, time
def a(i, j):
    return 1.0 / float((i + j) * (i + j + 1) // 2 + i + 1)
def times(u):
    n = len(u)
    v = [0.0] * n
    for i in range(n):
        s = 0.0
        for j in range(n):
            s += a(i, j) * u[j]
        v[i] = s
    return v
def times_transposed(u):
    n = len(u)
    v = [0.0] * n
    for i in range(n):
        s = 0.0
        for j in range(n):
            s += a(j, i) * u[j]
        v[i] = s
    return v
def at_a(u):
    return times_transposed(times(u))
t0 = time.perf_counter()
n = 100
u = [1.0] * n
v = u
for _ in range(10):
    v = at_a(u)
    u = at_a(v)
vbv = 0.0
vv = 0.0
for i in range(n):
    vbv += u[i] * v[i]
    vv += v[i] * v[i]
print(int(round(math.sqrt(vbv / vv) * 1e9)), time.perf_counter() - t0)
