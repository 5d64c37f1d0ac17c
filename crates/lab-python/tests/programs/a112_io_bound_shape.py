# I/O-bound work overlaps on one thread: four 0.2 s sleeps take about 0.2 s, not 0.8 s.
import asyncio
import time


async def fetch(i):
    await asyncio.sleep(0.2)
    return i


async def main():
    start = time.perf_counter()
    results = await asyncio.gather(*(fetch(i) for i in range(4)))
    elapsed = time.perf_counter() - start
    print(results)
    print("waited:", elapsed >= 0.2)
    print("overlapped:", elapsed < 0.5)


asyncio.run(main())
