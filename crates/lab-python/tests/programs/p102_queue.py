# Queues between processes: a producer, a consumer, a sentinel, and an empty queue.
import multiprocessing as mp
import queue


def produce(q, n):
    for i in range(n):
        q.put({"item": i, "square": i * i})
    q.put(None)


def consume(q, out):
    total = 0
    count = 0
    while True:
        item = q.get()
        if item is None:
            break
        total += item["square"]
        count += 1
    out.put((count, total))


if __name__ == "__main__":
    mp.set_start_method("spawn")
    work = mp.Queue()
    results = mp.Queue()
    consumer = mp.Process(target=consume, args=(work, results))
    producer = mp.Process(target=produce, args=(work, 100))
    consumer.start()
    producer.start()
    producer.join()
    print(results.get())
    consumer.join()
    print(work.empty())
    try:
        work.get(timeout=0.05)
    except queue.Empty:
        print("empty after the timeout")
    try:
        work.get_nowait()
    except queue.Empty:
        print("empty at once")
    small = mp.Queue(maxsize=1)
    small.put("only")
    try:
        small.put_nowait("more")
    except queue.Full:
        print("full")
    print(small.get())
    values = [1, 2**100, -3.5, "text", (1, (2, 3)), [4, [5]], {"k": {1, 2}}, None, True]
    for v in values:
        results.put(v)
    back = [results.get() for _ in values]
    print(back == values, back[1], back[6])
