import concurrent.futures
import threading, queue as q
with concurrent.futures.ThreadPoolExecutor(2) as ex:
    print(list(ex.map(abs, [-1, -2])))
print(q.Queue().empty(), type(concurrent.futures).__name__)
import numpy.linalg
