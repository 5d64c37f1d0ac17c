import threading, time
a, b = threading.Lock(), threading.Lock()
log = []
def first():
    with a:
        time.sleep(0.05)
        if b.acquire(timeout=0.2):
            log.append("first got both")
            b.release()
        else:
            log.append("first gave up")
def second():
    with b:
        time.sleep(0.05)
        if a.acquire(timeout=0.5):
            log.append("second got both")
            a.release()
        else:
            log.append("second gave up")
t1, t2 = threading.Thread(target=first), threading.Thread(target=second)
t1.start(); t2.start(); t1.join(); t2.join()
print(sorted(log))
class BoundedBuffer:
    def __init__(self, size):
        self.items, self.size = [], size
        self.cond = threading.Condition()
    def put(self, x):
        with self.cond:
            while len(self.items) >= self.size:
                self.cond.wait()
            self.items.append(x)
            self.cond.notify_all()
    def get(self):
        with self.cond:
            while not self.items:
                self.cond.wait()
            x = self.items.pop(0)
            self.cond.notify_all()
            return x
buf = BoundedBuffer(2)
got = []
def prod():
    for i in range(20):
        buf.put(i)
def cons():
    for _ in range(10):
        got.append(buf.get())
ts = [threading.Thread(target=prod)] + [threading.Thread(target=cons) for _ in range(2)]
for t in ts: t.start()
for t in ts: t.join()
print(sorted(got) == list(range(20)), len(got))
sem = threading.BoundedSemaphore(1)
sem.acquire(); sem.release()
try:
    sem.release()
except ValueError as e:
    print("bounded:", e)
e = threading.Event()
print(e.wait(0.01), e.is_set())
