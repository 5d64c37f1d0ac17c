import threading, time
ev = threading.Event()
seen = []
def waiter():
    ev.wait()
    seen.append("woke")
t = threading.Thread(target=waiter, name="waiter")
t.start()
time.sleep(0.05)
print(ev.is_set(), t.is_alive(), t.name)
ev.set()
t.join(timeout=5)
print(seen, t.is_alive())
r = threading.RLock()
with r:
    with r:
        print("reentrant ok")
lk = threading.Lock()
print(lk.acquire(), lk.acquire(False), lk.locked())
lk.release()
