# Queues between interpreters (Python 3.14): a worker interpreter in a thread takes jobs
# from one queue and puts results on another; items are copied, queues are shared.
from concurrent import interpreters
import queue


def serve(jobs, results):
    while True:
        job = jobs.get()
        if job is None:
            results.put("done")
            return
        results.put((job, job ** 2))


if __name__ == "__main__":
    jobs = interpreters.create_queue()
    results = interpreters.create_queue()
    interp = interpreters.create()
    t = interp.call_in_thread(serve, jobs, results)
    for n in range(5):
        jobs.put(n)
    jobs.put(None)
    got = [results.get(timeout=30) for _ in range(6)]
    t.join()
    print(got)
    print(results.empty(), results.qsize())
    try:
        results.get_nowait()
    except interpreters.QueueEmpty:
        print("QueueEmpty")
    small = interpreters.create_queue(maxsize=1)
    small.put({"a": [1, 2]})
    try:
        small.put_nowait("x")
    except interpreters.QueueFull:
        print("QueueFull")
    item = small.get()
    print(item, small.empty())
    interp.close()
