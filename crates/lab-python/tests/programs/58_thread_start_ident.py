import threading, time
t = threading.Thread(target=time.sleep, args=(0.05,))
print(t.ident)
t.start()
print(isinstance(t.ident, int), threading.active_count())
t.join()
print(threading.active_count())
