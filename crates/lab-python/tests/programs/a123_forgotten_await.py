# A coroutine called but never awaited does not run; Python warns about it on stderr.
import asyncio
async def work():
    print("working")
async def main():
    work()
    print("forgot to await")
    await work()
asyncio.run(main())
print("end")
