# A CPU-bound loop four times one after another, then on four threads at once. Under a GIL
# the threads take turns, so they take about as long as the sequential runs; without one
# (the lab's --free-threaded) they share the machine's cores.
import threading
import time

TASKS = 4
N = 3_000_000


def count(n):
    total = 0
    for i in range(n):
        total += i
    return total


def sequential():
    return [count(N) for _ in range(TASKS)]


def on_threads():
    results = [0] * TASKS

    def work(k):
        results[k] = count(N)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(TASKS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


t0 = time.perf_counter()
seq = sequential()
t1 = time.perf_counter()
par = on_threads()
t2 = time.perf_counter()
print(f"{TASKS} tasks of {N} additions, each {seq[0]}; the same on threads: {seq == par}")
# The timing line, last: scripts/bench-python.py reads it (a JSON object).
print(f'{{"shape": "cpu_threads", "tasks": {TASKS}, "sequential_s": {t1 - t0:.6f}, "concurrent_s": {t2 - t1:.6f}}}')
