import threading, os, sys
data = threading.local()
data.name = "main"
seen = []
def work(n):
    data.name = f"worker-{n}"
    seen.append((n, data.name))
ts = [threading.Thread(target=work, args=(i,)) for i in range(3)]
for t in ts: t.start()
for t in ts: t.join()
print(sorted(seen), data.name, hasattr(data, "other"))
print(os.cpu_count() >= 1, os.getpid() > 0)
print("exiting")
sys.exit(3)
print("not reached")
