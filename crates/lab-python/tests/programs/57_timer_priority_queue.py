import threading, queue, time
fired = []
t = threading.Timer(0.05, fired.append, args=["tick"])
t.start()
c = threading.Timer(0.05, fired.append, args=["cancelled"])
c.start()
c.cancel()
t.join(); c.join()
print(fired)
pq = queue.PriorityQueue()
for item in [(3, "low"), (1, "high"), (2, "mid"), (1, "high2")]:
    pq.put(item)
print([pq.get() for _ in range(4)])
work = queue.Queue()
results = []
def worker():
    while True:
        n = work.get()
        if n is None:
            work.task_done()
            break
        results.append(n * n)
        work.task_done()
ws = [threading.Thread(target=worker) for _ in range(3)]
for w in ws: w.start()
for n in range(10):
    work.put(n)
for _ in ws:
    work.put(None)
work.join()
print(sorted(results), work.unfinished_tasks)
try:
    queue.Queue(maxsize=1).get(timeout=0.01)
except queue.Empty:
    print("timed out empty")
full = queue.Queue(maxsize=1)
full.put(1)
try:
    full.put(2, timeout=0.01)
except queue.Full:
    print("timed out full")
