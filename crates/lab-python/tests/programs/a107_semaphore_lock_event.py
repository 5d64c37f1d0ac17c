# A Semaphore caps how many tasks run a section at once; a Lock makes one at a time; an
# Event releases every waiter together.
import asyncio

running = 0
peak = 0


async def limited(sem, n):
    global running, peak
    async with sem:
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.02)
        running -= 1
    return n


async def counter(lock, shared):
    for _ in range(3):
        async with lock:
            v = shared["n"]
            await asyncio.sleep(0)
            shared["n"] = v + 1


async def waiter(ev, name, out):
    await ev.wait()
    out.append(name)


async def main():
    sem = asyncio.Semaphore(2)
    print(await asyncio.gather(*(limited(sem, i) for i in range(6))))
    print("peak concurrency:", peak)
    shared = {"n": 0}
    lock = asyncio.Lock()
    await asyncio.gather(*(counter(lock, shared) for _ in range(4)))
    print("with lock:", shared["n"], lock.locked())
    ev = asyncio.Event()
    out = []
    tasks = [asyncio.create_task(waiter(ev, n, out)) for n in "xyz"]
    await asyncio.sleep(0.01)
    print("before set:", out, ev.is_set())
    ev.set()
    await asyncio.gather(*tasks)
    print("after set:", out)
    b = asyncio.BoundedSemaphore(1)
    await b.acquire()
    b.release()
    try:
        b.release()
    except ValueError as e:
        print("ValueError:", e)
    try:
        lock.release()
    except RuntimeError as e:
        print("RuntimeError:", e)


asyncio.run(main())
