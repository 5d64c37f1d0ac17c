# terminate() ends a process that would never end by itself: its exit code is minus the
# signal's number (SIGTERM: -15). A pool's context manager terminates its workers, even one
# still busy with a task.
import multiprocessing as mp
import time


def forever(q):
    q.put("started")
    while True:
        pass


if __name__ == "__main__":
    mp.set_start_method("spawn")
    q = mp.Queue()
    p = mp.Process(target=forever, args=(q,))
    p.start()
    print(q.get(), p.is_alive(), p.exitcode)
    p.terminate()
    p.join()
    print(p.is_alive(), p.exitcode)
    with mp.Pool(2) as pool:
        slow = pool.apply_async(time.sleep, (60,))
        print(pool.apply(abs, (-5,)), slow.ready())
    print("pool ended")
