# TaskGroup: the first failure cancels the siblings; the errors arrive as an ExceptionGroup.
import asyncio


async def slow(n):
    try:
        await asyncio.sleep(1)
        print("slow", n, "finished")
    except asyncio.CancelledError:
        print("slow", n, "cancelled")
        raise


async def fail(n, gate):
    await gate.wait()
    raise ValueError(f"task {n} broke")


async def open_gate(gate):
    await asyncio.sleep(0.1)
    gate.set()


async def quick(n):
    await asyncio.sleep(0.01)
    print("quick", n, "finished")
    return n


async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            q = tg.create_task(quick(1))
            tg.create_task(slow(2))
            # Both fail in the same round, when the gate opens.
            gate = asyncio.Event()
            tg.create_task(open_gate(gate))
            tg.create_task(fail(3, gate))
            tg.create_task(fail(4, gate))
            tg.create_task(slow(5))
        print("not reached")
    except ExceptionGroup as eg:
        caught = eg
        print("group:", eg)
        print("message:", eg.message)
        for e in eg.exceptions:
            print("  member:", type(e).__name__, e)
    print("quick result:", q.result())
    print(isinstance(caught, BaseExceptionGroup), isinstance(caught, Exception))
    async with asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(quick(i)) for i in range(3)]
    print("all fine:", [t.result() for t in tasks])
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(slow(6))
            raise KeyError("body failed")
    except ExceptionGroup as eg:
        print("body error:", repr(eg.exceptions[0]))


asyncio.run(main())
