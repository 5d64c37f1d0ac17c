import threading, time
counter = 0
go = threading.Event()
def work():
    global counter
    go.wait()
    for _ in range(500):
        v = counter
        time.sleep(0)
        counter = v + 1
ts = [threading.Thread(target=work) for _ in range(4)]
for t in ts: t.start()
go.set()
for t in ts: t.join()
print(counter < 2000, counter > 0)
