# Tasks: creation order, names, interleaving at every await, results, current_task.
import asyncio

log = []


async def step(name, n):
    for i in range(n):
        log.append(f"{name}{i}")
        await asyncio.sleep(0)
    return name.upper()


async def main():
    me = asyncio.current_task()
    print("main task:", me.get_name())
    a = asyncio.create_task(step("a", 3))
    b = asyncio.create_task(step("b", 2), name="worker-b")
    c = asyncio.create_task(step("c", 1))
    print(a.get_name(), b.get_name(), c.get_name())
    print("done before await:", a.done(), b.done(), c.done())
    print(await a, await b, await c)
    print("done after:", a.done(), b.done(), c.done())
    print("result again:", a.result(), a.cancelled())
    print("log:", " ".join(log))
    b.set_name("renamed")
    print(b.get_name())
    results = await asyncio.gather(step("x", 2), step("y", 1), step("z", 0))
    print(results)
    print("all tasks now:", len(asyncio.all_tasks()))
    pending = asyncio.create_task(asyncio.sleep(1))
    try:
        pending.result()
    except asyncio.InvalidStateError as e:
        print("InvalidStateError:", e)
    pending.cancel()
    await asyncio.sleep(0)
    print("pending cancelled:", pending.cancelled())
    return "main result"


print(asyncio.run(main()))
