from concurrent.futures import ThreadPoolExecutor, as_completed
import time
def square(x):
    time.sleep(0.01)
    return x * x
def boom(x):
    raise ValueError(f"bad {x}")
with ThreadPoolExecutor(max_workers=3) as ex:
    print(list(ex.map(square, range(8))))
    futs = [ex.submit(square, i) for i in range(5)]
    print(sorted(f.result() for f in as_completed(futs)))
    f = ex.submit(boom, 7)
    print(type(f.exception()).__name__, f.exception())
    try:
        f.result()
    except ValueError as e:
        print("caught", e)
print(f.done())
