# An exception nobody catches inside a coroutine ends asyncio.run with its traceback.
import asyncio


async def lookup(table, key):
    await asyncio.sleep(0.01)
    return table[key]


async def handler(table):
    value = await lookup(table, "present")
    print("found", value)
    return await lookup(table, "missing")


async def main():
    task = asyncio.create_task(handler({"present": 1}))
    await task
    print("not reached")


asyncio.run(main())
