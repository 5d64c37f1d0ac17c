# Fork copies the parent's memory as it is at start(); spawn re-runs this file in the
# child (as __mp_main__), so the child sees module-level values as the file sets them.
# Either way the child changes only its own copy.
import multiprocessing as mp

config = {"mode": "initial"}
hits = []


def show(q):
    hits.append("child")
    config["seen_by"] = mp.current_process().name
    q.put((config["mode"], len(hits)))


if __name__ == "__main__":
    config["mode"] = "changed by the parent"
    hits.append("parent")
    for method in ("fork", "spawn"):
        ctx = mp.get_context(method)
        q = ctx.Queue()
        p = ctx.Process(target=show, args=(q,))
        p.start()
        p.join()
        print(method, q.get())
    print(config, hits)
