# A task that fails while nobody awaits it: its exception is reported on stderr, not lost.
import asyncio
async def boom():
    await asyncio.sleep(0.01)
    raise ValueError("lost")
async def main():
    asyncio.create_task(boom())
    await asyncio.sleep(0.05)
    print("main done")
asyncio.run(main())
print("after run")
