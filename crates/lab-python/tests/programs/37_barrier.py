import threading
b = threading.Barrier(3)
order = []
lock = threading.Lock()
def phase(name):
    with lock:
        order.append(("before", name))
    b.wait()
    with lock:
        order.append(("after", name))
ts = [threading.Thread(target=phase, args=(n,)) for n in "abc"]
for t in ts: t.start()
for t in ts: t.join()
firsts = [kind for kind, _ in order[:3]]
print(firsts, len(order), b.parties, b.n_waiting)
