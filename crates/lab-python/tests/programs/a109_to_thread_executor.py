# to_thread and run_in_executor run blocking functions on real threads while the loop runs.
import asyncio
import concurrent.futures
import threading
import time


def blocking(n):
    time.sleep(0.2)
    return n * n, threading.get_ident() != main_ident


main_ident = threading.get_ident()


async def ticker(ticks):
    for _ in range(3):
        await asyncio.sleep(0.02)
        ticks.append(1)


async def main():
    ticks = []
    start = time.perf_counter()
    results = await asyncio.gather(
        asyncio.to_thread(blocking, 2),
        asyncio.to_thread(blocking, 3),
        asyncio.to_thread(blocking, 4),
        ticker(ticks),
    )
    elapsed = time.perf_counter() - start
    print(results[:3])
    print("ticks while the threads slept:", len(ticks))
    print("overlapped:", elapsed < 0.5)
    loop = asyncio.get_running_loop()
    print(await loop.run_in_executor(None, blocking, 5))
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        rs = await asyncio.gather(*(loop.run_in_executor(pool, blocking, i) for i in range(3)))
    print(rs)

    def fails():
        raise OSError("disk on fire")

    try:
        await asyncio.to_thread(fails)
    except OSError as e:
        print("from the thread:", e)

    def no_loop_here():
        try:
            asyncio.get_running_loop()
        except RuntimeError as e:
            return str(e)

    print(await asyncio.to_thread(no_loop_here))


asyncio.run(main())
