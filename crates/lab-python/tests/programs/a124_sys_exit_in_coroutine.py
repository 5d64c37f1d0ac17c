# sys.exit() inside a coroutine ends asyncio.run (other tasks are cancelled and clean up) with its status.
import asyncio, sys
async def other():
    try:
        await asyncio.sleep(1)
    finally:
        print("other cleaned")
async def main():
    asyncio.create_task(other())
    await asyncio.sleep(0.01)
    sys.exit(3)
asyncio.run(main())
