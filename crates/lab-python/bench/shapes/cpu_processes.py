# A CPU-bound loop four times one after another, then in a pool of four processes: each
# has its own interpreter and GIL, so they share the machine's cores. The pool's time
# includes starting and stopping its processes, as a reader's program pays it.
import multiprocessing as mp
import time

TASKS = 4
N = 3_000_000


def count(n):
    total = 0
    for i in range(n):
        total += i
    return total


if __name__ == "__main__":
    # Named, so that every Python starts its children the same way (CPython 3.13 forks by
    # default on Linux; 3.14 and the lab use a fork server).
    ctx = mp.get_context("forkserver")
    t0 = time.perf_counter()
    seq = [count(N) for _ in range(TASKS)]
    t1 = time.perf_counter()
    with ctx.Pool(TASKS) as pool:
        par = pool.map(count, [N] * TASKS, chunksize=1)
    t2 = time.perf_counter()
    print(f"{TASKS} tasks of {N} additions, each {seq[0]}; the same in processes: {seq == par}")
    # The timing line, last: scripts/bench-python.py reads it (a JSON object).
    print(f'{{"shape": "cpu_processes", "tasks": {TASKS}, "sequential_s": {t1 - t0:.6f}, "concurrent_s": {t2 - t1:.6f}}}')
