import time, threading
def share(func):
    wall0, cpu0 = time.perf_counter(), time.process_time()
    func()
    wall = time.perf_counter() - wall0
    return (time.process_time() - cpu0) / wall
def crunch():
    total = 0
    for i in range(1_000_000):
        total += i * i
def wait():
    time.sleep(0.3)
print("cpu-bound", share(crunch) > 0.2, "io-bound", share(wait) < 0.5, threading.get_native_id() > 0)
