# A shared Value: each process adds under the value's lock, so no update is lost. A Lock
# shared by processes keeps their output lines whole.
import multiprocessing as mp


def add_many(counter, n):
    for _ in range(n):
        with counter.get_lock():
            counter.value += 1


def report(lock, q, i):
    with lock:
        q.put(i)


if __name__ == "__main__":
    mp.set_start_method("spawn")
    counter = mp.Value("i", 0)
    print(counter.value)
    ps = [mp.Process(target=add_many, args=(counter, 5000)) for _ in range(2)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    print(counter.value)
    f = mp.Value("d", 1.5)
    f.value *= 2
    print(f.value)
    raw = mp.Value("i", 7, lock=False)
    print(raw.value)
    lock = mp.Lock()
    q = mp.Queue()
    ps = [mp.Process(target=report, args=(lock, q, i)) for i in range(3)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    print(sorted(q.get() for _ in range(3)))
    print(lock.acquire(), lock.acquire(False))
    lock.release()
