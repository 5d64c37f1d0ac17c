# Four waits of half a second awaited one after another, then gathered: one thread, and
# the event loop runs the other tasks while one waits, so the waits overlap.
import asyncio
import time

TASKS = 4
WAIT_S = 0.5


async def wait(k):
    await asyncio.sleep(WAIT_S)
    return k


async def main():
    t0 = time.perf_counter()
    seq = [await wait(k) for k in range(TASKS)]
    t1 = time.perf_counter()
    par = await asyncio.gather(*(wait(k) for k in range(TASKS)))
    t2 = time.perf_counter()
    print(f"{TASKS} waits of {WAIT_S} s; gathered in order too: {par == seq}")
    # The timing line, last: scripts/bench-python.py reads it (a JSON object).
    print(f'{{"shape": "io_asyncio", "tasks": {TASKS}, "sequential_s": {t1 - t0:.6f}, "concurrent_s": {t2 - t1:.6f}}}')


asyncio.run(main())
