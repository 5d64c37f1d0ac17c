# Timeouts: wait_for, asyncio.timeout, wait with FIRST_COMPLETED, as_completed order.
import asyncio


async def sleeper(d, v):
    await asyncio.sleep(d)
    return v


async def main():
    print(await asyncio.wait_for(sleeper(0.01, "in time"), timeout=1))
    try:
        await asyncio.wait_for(sleeper(1, "late"), timeout=0.05)
    except TimeoutError as e:
        print("wait_for:", type(e).__name__, type(e.__cause__).__name__)
    try:
        async with asyncio.timeout(0.05) as cm:
            await asyncio.sleep(1)
    except TimeoutError:
        print("timeout block expired:", cm.expired())
    async with asyncio.timeout(1) as cm:
        await asyncio.sleep(0.01)
    print("not expired:", cm.expired())
    async with asyncio.timeout(None):
        await asyncio.sleep(0.01)
    tasks = [asyncio.create_task(sleeper(d, v)) for d, v in [(0.4, "c"), (0.01, "a"), (0.1, "b")]]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    print("first:", [t.result() for t in done], len(pending))
    done, pending = await asyncio.wait(tasks, timeout=0.2)
    print("by 0.2:", sorted(t.result() for t in done), len(pending))
    done, pending = await asyncio.wait(tasks)
    print("all:", sorted(t.result() for t in done), len(pending))
    order = []
    for fut in asyncio.as_completed([sleeper(0.2, 3), sleeper(0.02, 1), sleeper(0.1, 2)]):
        order.append(await fut)
    print("as_completed:", order)
    try:
        for fut in asyncio.as_completed([sleeper(1, "x")], timeout=0.02):
            await fut
    except TimeoutError:
        print("as_completed timed out")


asyncio.run(main())
