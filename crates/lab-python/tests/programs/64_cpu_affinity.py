import os

print("logical CPUs on this machine:", os.cpu_count())
# On Linux the process may be restricted to fewer of them:
if hasattr(os, "sched_getaffinity"):
    print("CPUs this process may use:", len(os.sched_getaffinity(0)))
