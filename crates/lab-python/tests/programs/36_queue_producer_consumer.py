import threading, queue
q = queue.Queue(maxsize=3)
out = []
def producer():
    for i in range(10):
        q.put(i)
    q.put(None)
def consumer():
    while True:
        item = q.get()
        if item is None:
            break
        out.append(item * item)
        q.task_done()
p = threading.Thread(target=producer)
c = threading.Thread(target=consumer)
p.start(); c.start(); p.join(); c.join()
print(out, q.empty(), q.qsize())
try:
    q.get_nowait()
except queue.Empty:
    print("empty raised")
lq = queue.LifoQueue()
for i in range(3):
    lq.put(i)
print([lq.get() for _ in range(3)])
