# ProcessPoolExecutor: submit, map with chunksize, an exception coming back, mp_context.
import concurrent.futures as cf
import multiprocessing as mp


def cube(x):
    return x ** 3


def check(x):
    if x < 0:
        raise ValueError(f"negative: {x}")
    return x


if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=2, mp_context=ctx) as ex:
        futures = [ex.submit(cube, n) for n in range(5)]
        print([f.result() for f in futures])
        print(list(ex.map(cube, range(10), chunksize=3)))
        bad = ex.submit(check, -1)
        try:
            bad.result()
        except ValueError as e:
            print("ValueError:", e)
        print(type(bad.exception()).__name__)
        done = [f.result() for f in cf.as_completed([ex.submit(cube, 2), ex.submit(cube, 3)])]
        print(sorted(done))
    try:
        cf.ProcessPoolExecutor(max_workers=0)
    except ValueError as e:
        print(e)
