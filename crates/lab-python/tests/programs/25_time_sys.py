import sys, time
t0 = time.perf_counter()
time.sleep(0.05)
dt = time.perf_counter() - t0
print(dt >= 0.04, dt < 2, sys.getswitchinterval(), sys.version_info[:2] >= (3, 12))
sys.setswitchinterval(0.001)
print(sys.getswitchinterval(), sys._is_gil_enabled(), time.monotonic() > 0, time.time() > 1e9)
