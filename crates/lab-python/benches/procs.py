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
    seq = [burn(n), burn(n)]
    t1 = time.perf_counter()
    with mp.Pool(2) as pool:
        par = pool.map(burn, [n, n], chunksize=1)
    t2 = time.perf_counter()
    assert seq == par
    print(f"sequential {t1 - t0:.2f} s, 2 processes {t2 - t1:.2f} s, speedup {(t1 - t0) / (t2 - t1):.2f}x")
