# A blocking call inside a coroutine stops the whole loop: no other task runs meanwhile.
import asyncio
import time

events = []


async def blocker(name):
    events.append(f"{name} start")
    time.sleep(0.2)
    events.append(f"{name} end")


async def polite(name):
    events.append(f"{name} start")
    await asyncio.sleep(0.3)
    events.append(f"{name} end")


async def heartbeat():
    for i in range(3):
        events.append(f"beat {i}")
        await asyncio.sleep(0.01)


async def main():
    start = time.perf_counter()
    await asyncio.gather(blocker("b1"), blocker("b2"), heartbeat())
    blocked = time.perf_counter() - start
    print(events)
    events.clear()
    start = time.perf_counter()
    await asyncio.gather(polite("p1"), polite("p2"), heartbeat())
    polite_time = time.perf_counter() - start
    print(events)
    # Two blocking sleeps add up; two awaited sleeps overlap.
    print("blocked at least 0.4 s:", blocked >= 0.4)
    print("polite below 0.6 s:", polite_time < 0.6)


asyncio.run(main())
