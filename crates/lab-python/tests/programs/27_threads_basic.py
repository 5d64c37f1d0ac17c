import threading
results = []
lock = threading.Lock()
def work(n, label="w"):
    with lock:
        results.append((label, n * n))
threads = [threading.Thread(target=work, args=(i,), kwargs={"label": f"t{i}"}) for i in range(5)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(sorted(results), threading.active_count(), threading.current_thread().name)
