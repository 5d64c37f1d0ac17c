# How tasks and futures print: state, name, where the coroutine runs, what it waits for.
import asyncio
async def worker(n):
    await asyncio.sleep(0.01)
    return n * 2
async def bad():
    raise ValueError("no")
async def main():
    t = asyncio.create_task(worker(1))
    print(t)
    await asyncio.sleep(0)
    print(t)
    await t
    print(t)
    b = asyncio.create_task(bad())
    await asyncio.sleep(0)
    print(b)
    b.exception()
    c = asyncio.create_task(worker(2))
    c.cancel()
    await asyncio.sleep(0)
    print(c)
    f = asyncio.get_running_loop().create_future()
    print(f)
    f.set_result([1, 2])
    print(f)
    w = asyncio.create_task(worker(3))
    async def waiter():
        await w
    x = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    print(x)
    await x
asyncio.run(main())
