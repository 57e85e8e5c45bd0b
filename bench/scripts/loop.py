# The same loop as loop.tsr, at module level (globals), for CPython.
import time
t0 = time.perf_counter()
s = 0
for i in range(1000000):
    s += i * 2 % 7
print(s, time.perf_counter() - t0)
