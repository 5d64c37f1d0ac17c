# A main coroutine that is cancelled ends asyncio.run with CancelledError.
import asyncio


async def main():
    asyncio.current_task().cancel()
    print("cancel requested")
    await asyncio.sleep(1)
    print("not reached")


asyncio.run(main())
