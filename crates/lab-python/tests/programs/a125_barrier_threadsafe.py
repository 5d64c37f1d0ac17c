# asyncio.Barrier, run_coroutine_threadsafe from a real thread, iscoroutinefunction.
import asyncio
import threading

async def runner(b, name, delay, log):
    await asyncio.sleep(delay)
    log.append(f"{name} arrives")
    idx = await b.wait()
    log.append(f"{name} passes")
    return idx

async def add(a, b):
    await asyncio.sleep(0.01)
    return a + b

def from_thread(loop, out):
    fut = asyncio.run_coroutine_threadsafe(add(2, 3), loop)
    out.append(fut.result(timeout=5))

async def main():
    log = []
    b = asyncio.Barrier(3)
    print(b.parties, b.n_waiting, b.broken)
    idx = await asyncio.gather(*(runner(b, n, d, log) for n, d in [("a", 0.0), ("b", 0.05), ("c", 0.1)]))
    print(sorted(idx))
    print(log)
    b2 = asyncio.Barrier(2)
    t = asyncio.create_task(b2.wait())
    await asyncio.sleep(0.01)
    print("waiting:", b2.n_waiting)
    await b2.abort()
    try:
        await t
    except asyncio.BrokenBarrierError as e:
        print("broken:", type(e).__name__, b2.broken)
    out = []
    th = threading.Thread(target=from_thread, args=(asyncio.get_running_loop(), out))
    th.start()
    while th.is_alive():
        await asyncio.sleep(0.01)
    th.join()
    print("from a thread:", out)
    print(asyncio.iscoroutinefunction(add), asyncio.iscoroutinefunction(from_thread), asyncio.iscoroutinefunction(b.wait))
    print(asyncio.TimeoutError is TimeoutError, issubclass(asyncio.BrokenBarrierError, RuntimeError))

asyncio.run(main())
