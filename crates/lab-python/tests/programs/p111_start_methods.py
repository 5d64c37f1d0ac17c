# Start methods and contexts; process names follow the context's Process class.
import multiprocessing as mp


def noop():
    pass


if __name__ == "__main__":
    mp.set_start_method("spawn")
    print(mp.get_start_method())
    try:
        mp.set_start_method("fork")
    except RuntimeError as e:
        print("RuntimeError:", e)
    mp.set_start_method("fork", force=True)
    print(mp.get_start_method())
    for method in ("spawn", "fork", "forkserver"):
        ctx = mp.get_context(method)
        print(ctx.get_start_method(), type(ctx.Process(target=noop)).__name__)
    p = mp.get_context("spawn").Process(target=noop)
    print(p.name)
    print(sorted(mp.get_all_start_methods()))
    try:
        mp.get_context("thread")
    except ValueError as e:
        print("ValueError:", e)
    print(mp.cpu_count() >= 1)
