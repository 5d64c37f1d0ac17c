# Processes: target, args, kwargs, name, exit codes, is_alive, current_process().
import multiprocessing as mp
import sys


def greet(q, who, punct="!"):
    parent = mp.parent_process().name
    q.put(f"hello {who}{punct} from {mp.current_process().name}, child of {parent}")


def leave(code):
    sys.exit(code)


def fail():
    raise ValueError("boom in the child")


if __name__ == "__main__":
    mp.set_start_method("spawn")
    print(mp.current_process().name, mp.parent_process())
    q = mp.Queue()
    p = mp.Process(target=greet, args=(q, "world"), kwargs={"punct": "?"}, name="greeter")
    print(p.name, p.is_alive(), p.exitcode)
    p.start()
    print(q.get())
    p.join()
    print(p.is_alive(), p.exitcode)
    codes = []
    for target, args in [(leave, (0,)), (leave, (3,)), (leave, (None,))]:
        c = mp.Process(target=target, args=args)
        c.start()
        c.join()
        codes.append(c.exitcode)
    print(codes)
    d = mp.Process(target=greet, args=(q, "daemon"), daemon=True)
    print(d.daemon, d.name)
    d.start()
    d.join()
    print(q.get().split(" from ")[0])
    # An exception in the child is printed on stderr ("Process Process-6:" and its
    # traceback); the child's exit code is 1.
    e = mp.Process(target=fail)
    e.start()
    e.join()
    print("exit code", e.exitcode)
