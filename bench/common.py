"""Shared benchmark helpers."""
import statistics, time

def median_time(f, repeats=3, clock=time.perf_counter):
    "Median seconds of `repeats` calls of `f` on `clock` (wall by default, time.process_time for CPU), and the last result."
    ts, out = [], None
    for _ in range(repeats):
        t0 = clock(); out = f(); ts.append(clock() - t0)
    return statistics.median(ts), out
