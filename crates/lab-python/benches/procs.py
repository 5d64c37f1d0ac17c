# Two processes against sequential: the same CPU-bound loop, twice.
import multiprocessing as mp
import time


def burn(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


if __name__ == "__main__":
    mp.set_start_method("spawn")
    n = 3_000_000
    t0 = time.perf_counter()
    c0 = time.process_time()
    seq = [burn(n), burn(n)]
    t1 = time.perf_counter()
    c1 = time.process_time()
    with mp.Pool(2) as pool:
        par = pool.map(burn, [n, n], chunksize=1)
    t2 = time.perf_counter()
    c2 = time.process_time()
    assert seq == par
    # In the lab, process_time counts every runtime of the OS process: CPU over wall time
    # near 2 means both processes ran at once (CPython counts only the parent here).
    print(f"sequential {t1 - t0:.2f} s (cpu/wall {(c1 - c0) / (t1 - t0):.2f}), "
          f"2 processes {t2 - t1:.2f} s (cpu/wall {(c2 - c1) / (t2 - t1):.2f}), "
          f"speedup {(t1 - t0) / (t2 - t1):.2f}x")
