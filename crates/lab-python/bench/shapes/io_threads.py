# Four waits of half a second one after another, then on four threads at once: a thread
# that sleeps releases the GIL, so the waits overlap (the time of one, about).
import threading
import time

TASKS = 4
WAIT_S = 0.5


def wait(k, done):
    time.sleep(WAIT_S)
    done.append(k)


t0 = time.perf_counter()
seq = []
for k in range(TASKS):
    wait(k, seq)
t1 = time.perf_counter()
par = []
threads = [threading.Thread(target=wait, args=(k, par)) for k in range(TASKS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
t2 = time.perf_counter()
print(f"{TASKS} waits of {WAIT_S} s; all done on threads too: {sorted(par) == seq}")
# The timing line, last: scripts/bench-python.py reads it (a JSON object).
print(f'{{"shape": "io_threads", "tasks": {TASKS}, "sequential_s": {t1 - t0:.6f}, "concurrent_s": {t2 - t1:.6f}}}')
