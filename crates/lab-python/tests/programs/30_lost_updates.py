import threading, time
counter = 0
def work():
    global counter
    for _ in range(50):
        v = counter
        time.sleep(0)
        counter = v + 1
ts = [threading.Thread(target=work) for _ in range(4)]
for t in ts: t.start()
for t in ts: t.join()
print(counter < 200, counter > 0)
