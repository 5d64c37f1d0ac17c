# What can cross to a spawned process: module-level functions by name; a lambda or a
# nested function cannot be pickled. A forked child needs no pickling.
import multiprocessing as mp


def make_nested():
    def nested():
        return 1
    return nested


def call(q, f, x):
    q.put(f(x))


def double(x):
    return 2 * x


if __name__ == "__main__":
    spawn = mp.get_context("spawn")
    for target in (lambda: None, make_nested()):
        p = spawn.Process(target=target)
        try:
            p.start()
        except Exception as e:
            print(type(e).__name__ + ":", str(e).split(" at 0x")[0])
    q = spawn.Queue()
    p = spawn.Process(target=call, args=(q, double, 21))
    p.start()
    p.join()
    print(q.get())
    fork = mp.get_context("fork")
    p = fork.Process(target=call, args=(q, lambda x: x + 1, 41))
    p.start()
    p.join()
    print(q.get(), p.exitcode)
    with spawn.Pool(1) as pool:
        # A process queue travels only to a process being started, not inside a task.
        for args in [(q, double, 1), (None, lambda x: x, 1)]:
            try:
                pool.apply(call, args)
            except Exception as e:
                print(type(e).__name__ + ":", str(e).split(" at 0x")[0])
        try:
            pool.map(lambda x: x, [1, 2])
        except Exception as e:
            print(type(e).__name__ + ":", str(e).split(" at 0x")[0])
