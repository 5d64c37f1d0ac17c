import threading
def bad():
    raise ValueError("in thread")
t = threading.Thread(target=bad)
t.start()
t.join()
print("main continues", t.is_alive())
