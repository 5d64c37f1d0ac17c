import threading
sem = threading.Semaphore(2)
active = 0
peak = 0
guard = threading.Lock()
def task():
    global active, peak
    with sem:
        with guard:
            active += 1
            peak = max(peak, active)
        with guard:
            active -= 1
ts = [threading.Thread(target=task) for _ in range(6)]
for t in ts: t.start()
for t in ts: t.join()
print(peak <= 2, active)
cond = threading.Condition()
items = []
def consumer():
    with cond:
        cond.wait_for(lambda: len(items) > 0)
        print("got", items[0])
c = threading.Thread(target=consumer)
c.start()
with cond:
    items.append("job")
    cond.notify()
c.join()
