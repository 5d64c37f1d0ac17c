# Cancellation: CancelledError arrives at the await, cleanup runs, the task ends cancelled.
import asyncio


async def worker(name):
    try:
        print(name, "waiting")
        await asyncio.sleep(10)
    except asyncio.CancelledError as e:
        print(name, "got CancelledError", e.args)
        raise
    finally:
        print(name, "cleanup")


async def stubborn():
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        print("stubborn ignores the cancel")
    await asyncio.sleep(0.01)
    return "survived"


async def main():
    t = asyncio.create_task(worker("w1"))
    await asyncio.sleep(0.01)
    print("cancel ->", t.cancel("stop now"))
    try:
        await t
    except asyncio.CancelledError as e:
        print("awaiting it raises CancelledError", e.args)
    print("cancelled:", t.cancelled(), "done:", t.done(), "again:", t.cancel())

    early = asyncio.create_task(worker("never-started"))
    early.cancel()
    try:
        await early
    except asyncio.CancelledError:
        print("cancelled before it ran:", early.cancelled())

    s = asyncio.create_task(stubborn())
    await asyncio.sleep(0.01)
    s.cancel()
    print(await s, s.cancelled(), s.cancelling())

    print(issubclass(asyncio.CancelledError, Exception), issubclass(asyncio.CancelledError, BaseException))
    g = asyncio.gather(worker("g1"), worker("g2"))
    await asyncio.sleep(0.01)
    g.cancel()
    try:
        await g
    except asyncio.CancelledError:
        print("gather cancelled")


asyncio.run(main())
