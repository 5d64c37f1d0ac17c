# aiter/anext, and asynchronous generators left open: closed (finally runs) when asyncio.run ends.
import asyncio
async def gen():
    try:
        for i in range(10):
            yield i
    finally:
        print("gen finally")
async def main():
    async for x in gen():
        if x == 2:
            break
    it = aiter(gen())
    print(await anext(it), await anext(it))
    empty = aiter(gen())
    async for _ in empty:
        pass
    print(await anext(empty, "default"))
    try:
        aiter(5)
    except TypeError as e:
        print(e)
    try:
        anext(5)
    except TypeError as e:
        print(e)
    print("main done")
asyncio.run(main())
print("after")
