# gather: results in argument order, the first error propagated, or errors as results.
import asyncio


async def job(n, delay, fail=False):
    await asyncio.sleep(delay)
    if fail:
        raise ValueError(f"job {n} failed")
    print("job", n, "finished")
    return n * 10


async def main():
    print(await asyncio.gather(job(1, 0.12), job(2, 0.02), job(3, 0.07)))
    res = await asyncio.gather(
        job(4, 0.01), job(5, 0.05, fail=True), job(6, 0.1), return_exceptions=True
    )
    print([type(r).__name__ if isinstance(r, Exception) else r for r in res])
    print(repr(res[1]))
    try:
        await asyncio.gather(job(7, 0.01, fail=True), job(8, 0.06))
    except ValueError as e:
        print("propagated:", e)
    # The sibling keeps running after gather gave up on it.
    await asyncio.sleep(0.2)
    print(await asyncio.gather())
    t = asyncio.create_task(job(9, 0.01))
    print(await asyncio.gather(t, job(10, 0)))


asyncio.run(main())
