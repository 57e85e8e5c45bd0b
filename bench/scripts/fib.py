import time
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
t0 = time.perf_counter()
r = fib(25)
print(r, time.perf_counter() - t0)
