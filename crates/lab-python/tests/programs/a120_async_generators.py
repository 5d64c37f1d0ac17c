# Asynchronous generators: async for over them, asend/aclose, errors and cancellation inside.
import asyncio

async def ticker(n, delay):
    for i in range(n):
        await asyncio.sleep(delay)
        yield i

async def squares(src):
    async for x in src:
        yield x * x

async def echo():
    received = None
    try:
        while True:
            received = yield f"got {received}"
    finally:
        print("echo closing")

async def failing():
    yield 1
    raise ValueError("inside agen")

async def main():
    async for i in ticker(3, 0.01):
        print("tick", i)
    print([x async for x in squares(ticker(4, 0))])
    agen = ticker(2, 0)
    print(type(agen).__name__)
    print(await agen.__anext__(), await anext_compat(agen))
    try:
        await agen.__anext__()
    except StopAsyncIteration:
        print("exhausted")
    e = echo()
    print(await e.asend(None))
    print(await e.asend("a"))
    print(await e.asend("b"))
    await e.aclose()
    try:
        async for v in failing():
            print("value", v)
    except ValueError as err:
        print("caught", err)
    async def consume():
        async for i in ticker(100, 0.05):
            print("slow tick", i)
    t = asyncio.create_task(consume())
    await asyncio.sleep(0.12)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        print("consumer cancelled")

async def anext_compat(agen):
    return await agen.__anext__()

asyncio.run(main())
