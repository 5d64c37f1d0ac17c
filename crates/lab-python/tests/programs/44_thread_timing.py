import threading, time
def worker(n, results, lock):
    local = 0
    for i in range(n):
        local += i
    with lock:
        results.append(local)
results, lock = [], threading.Lock()
ts = [threading.Thread(target=worker, args=(1000 * (k + 1), results, lock), name=f"w{k}") for k in range(3)]
for t in ts: t.start()
for t in ts: t.join()
print(sorted(results), [t.name for t in ts], threading.current_thread() is threading.main_thread())
ident = threading.get_ident()
print(isinstance(ident, int), threading.active_count())
start = time.perf_counter()
def sleeper():
    time.sleep(0.2)
ts = [threading.Thread(target=sleeper) for _ in range(4)]
for t in ts: t.start()
for t in ts: t.join()
el = time.perf_counter() - start
print("parallel sleeps", el < 0.6)
t = threading.Thread(target=time.sleep, args=(0.3,), daemon=True)
t.start()
t.join(timeout=0.05)
print("still alive after timeout", t.is_alive())
t.join()
print(t.is_alive())
