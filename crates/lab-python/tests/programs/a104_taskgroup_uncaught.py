# An ExceptionGroup nobody catches: printed in CPython's boxed layout, exit status 1.
import asyncio


async def boom(n):
    await asyncio.sleep(0.01 * n)
    raise RuntimeError(f"boom {n}")


async def main():
    async with asyncio.TaskGroup() as tg:
        tg.create_task(boom(1))
        tg.create_task(boom(1))
    print("not reached")


asyncio.run(main())
