# A pool of worker processes: map, starmap, apply, apply_async, imap, imap_unordered.
import multiprocessing as mp


def square(x):
    return x * x


def add(a, b):
    return a + b


def big(n):
    return 3 ** n


if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    with ctx.Pool(processes=2) as pool:
        print(pool.map(square, range(12)))
        print(pool.map(square, range(12), chunksize=5))
        print(pool.starmap(add, [(1, 2), (3, 4), ("a", "b")]))
        print(pool.apply(add, (10, 20)))
        print(pool.apply(add, (), {"a": 1, "b": 2}))
        results = [pool.apply_async(big, (n,)) for n in (10, 50, 100)]
        print([r.get(timeout=30) for r in results])
        print(results[0].ready(), results[0].successful())
        print(list(pool.imap(square, range(6))))
        print(sorted(pool.imap_unordered(square, range(6))))
        print(pool.map(square, []))
    got = []
    pool = ctx.Pool(2)
    r = pool.map_async(square, [1, 2, 3], callback=got.append)
    r.wait()
    pool.close()
    pool.join()
    print(got)
