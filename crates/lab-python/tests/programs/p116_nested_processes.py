# A child can start children of its own: names show the line of descent ("Process-1:1"),
# and each process's current_process() is itself. A pool's workers return exceptions to
# the parent with their type.
import multiprocessing as mp


def grandchild(q):
    q.put(("grandchild", mp.current_process().name, mp.parent_process().name))


def child(q):
    p = mp.Process(target=grandchild, args=(q,))
    p.start()
    p.join()
    q.put(("child", mp.current_process().name, p.exitcode))


def lookup(key):
    return {"a": 1}[key]


if __name__ == "__main__":
    for method in ("spawn", "fork"):
        mp.set_start_method(method, force=True)
        q = mp.Queue()
        p = mp.Process(target=child, args=(q,))
        p.start()
        p.join()
        print(method, q.get(), q.get(), p.exitcode)
        with mp.Pool(2) as pool:
            print(pool.map(len, ["ab", "c", ""]))
            try:
                pool.apply(lookup, ("b",))
            except KeyError as e:
                print("KeyError", e)
