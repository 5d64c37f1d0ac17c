# Producers and consumers over a bounded asyncio.Queue, with task_done and join.
import asyncio


async def producer(q, name, items):
    for i in range(items):
        await q.put(f"{name}-{i}")
        print("put", f"{name}-{i}", "size", q.qsize())
    await q.put(None)


async def consumer(q, name, got):
    while True:
        item = await q.get()
        if item is None:
            q.task_done()
            break
        got.append((name, item))
        await asyncio.sleep(0.01)
        q.task_done()


async def main():
    q = asyncio.Queue(maxsize=2)
    got = []
    consumers = [asyncio.create_task(consumer(q, f"c{i}", got)) for i in range(2)]
    await asyncio.gather(producer(q, "p0", 3), producer(q, "p1", 2))
    await q.join()
    await asyncio.gather(*consumers)
    print("consumed:", len(got), sorted(item for _, item in got))
    print("empty:", q.empty(), q.qsize(), q.full())
    try:
        q.get_nowait()
    except asyncio.QueueEmpty:
        print("QueueEmpty")
    small = asyncio.Queue(1)
    small.put_nowait("only")
    try:
        small.put_nowait("extra")
    except asyncio.QueueFull:
        print("QueueFull")
    pq = asyncio.PriorityQueue()
    for p in [3, 1, 2]:
        pq.put_nowait((p, f"prio {p}"))
    print([pq.get_nowait()[1] for _ in range(3)])
    lq = asyncio.LifoQueue()
    for x in "abc":
        await lq.put(x)
    out = []
    for _ in range(3):
        out.append(await lq.get())
    print(out)


asyncio.run(main())
