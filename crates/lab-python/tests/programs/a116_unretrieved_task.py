# A task that fails while nobody awaits it: its exception is reported on stderr, not lost.
import asyncio
async def boom():
    await asyncio.sleep(0)
    raise ValueError("lost")
async def main():
    asyncio.create_task(boom())
    for _ in range(3):
        await asyncio.sleep(0)
    print("main done")
asyncio.run(main())
print("after run")
