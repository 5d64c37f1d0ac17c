# asyncio scheduling cost: 2000 tasks that each give way 20 times (40,000 task steps).
import asyncio


async def hop(n):
    for _ in range(n):
        await asyncio.sleep(0)
    return n


async def main():
    results = await asyncio.gather(*(hop(20) for _ in range(2000)))
    print(sum(results))


asyncio.run(main())
