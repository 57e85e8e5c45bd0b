"""What every benchmark prints about the machine it ran on (standard library only)."""
import os
import sys
import time


def cpu_wall_ratio() -> float:
    """CPU time over wall time of a busy loop: about 1.0 on a quiet core, lower when the
    shared machine is loaded (compare runs only at similar ratios)."""
    t0, c0 = time.perf_counter(), time.process_time()
    x = 0
    for i in range(2_000_000):
        x += i
    return (time.process_time() - c0) / (time.perf_counter() - t0)


def describe() -> str:
    return f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; cpu/wall under load {cpu_wall_ratio():.2f}"
