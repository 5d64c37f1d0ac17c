import os
n = os.cpu_count()
print("logical CPUs known:", n >= 1)
if hasattr(os, "sched_getaffinity"):
    usable = os.sched_getaffinity(0)
    print("usable CPUs within them:", 1 <= len(usable) <= n, all(isinstance(c, int) for c in usable))
