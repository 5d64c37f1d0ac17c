#!/usr/bin/env python3
"""Time real CPython on the book's two reference workloads.

Workloads:
  CPU-bound: 4 tasks, each a Python loop that adds up range(N) (N = 10_000_000);
  I/O-bound: 4 tasks, each waiting 0.5 s with time.sleep / asyncio.sleep.

Variants: sequential, 4 threads, 4 processes, asyncio (4 tasks on one loop).

The variants run in alternating rounds: each round runs every variant once, on
both workloads, so all variants see about the same background load; the order of
the variants rotates from one round to the next. For each
round the script divides that round's sequential time by the variant's time
(the speedup), and at the end prints, per variant, the median speedup over the
rounds and its range, with the Python version, the number of cores and the load
average.

    python3 scripts/cpython-reference.py [--rounds 5] [--n 10000000]
                                         [--start fork|spawn|forkserver]

Needs only the standard library; runs on CPython 3.8 or newer.
"""

import argparse
import asyncio
import multiprocessing
import os
import platform
import statistics
import sys
import threading
import time

TASKS = 4
WAIT_S = 0.5


def cpu_task(n: int) -> int:
    result = 0
    for i in range(n):
        result += i
    return result


def io_task(_: int) -> None:
    time.sleep(WAIT_S)


async def cpu_task_async(n: int) -> int:
    return cpu_task(n)  # no await inside: the loop cannot switch during it


async def io_task_async(_: int) -> None:
    await asyncio.sleep(WAIT_S)


def run_sequential(task, arg, context) -> None:
    for _ in range(TASKS):
        task(arg)


def run_threads(task, arg, context) -> None:
    workers = [threading.Thread(target=task, args=(arg,)) for _ in range(TASKS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def run_processes(task, arg, context) -> None:
    workers = [context.Process(target=task, args=(arg,)) for _ in range(TASKS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def run_asyncio(task, arg, context) -> None:
    coroutine_function = cpu_task_async if task is cpu_task else io_task_async

    async def main() -> None:
        await asyncio.gather(*(coroutine_function(arg) for _ in range(TASKS)))

    asyncio.run(main())


VARIANTS = {
    "sequential": run_sequential,
    "4 threads": run_threads,
    "4 processes": run_processes,
    "asyncio": run_asyncio,
}
WORKLOADS = {"CPU-bound": cpu_task, "I/O-bound": io_task}


def load_average():
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):  # not available on Windows
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument(
        "--start",
        choices=multiprocessing.get_all_start_methods(),
        default=multiprocessing.get_start_method(),
        help="process start method (default: this platform's default)",
    )
    args = parser.parse_args()
    context = multiprocessing.get_context(args.start)

    # times[workload][variant] is a list with one wall time per round
    times = {w: {v: [] for v in VARIANTS} for w in WORKLOADS}
    load_before = load_average()
    loads = []
    for round_number in range(1, args.rounds + 1):
        # Rotate the order every round, so that no variant always runs first or last.
        order = list(VARIANTS.items())
        shift = (round_number - 1) % len(order)
        order = order[shift:] + order[:shift]
        for workload, task in WORKLOADS.items():
            for variant, run in order:
                start = time.perf_counter()
                run(task, args.n, context)
                times[workload][variant].append(time.perf_counter() - start)
        load = load_average()
        if load is not None:
            loads.append(load)
        print(f"round {round_number}/{args.rounds} done", file=sys.stderr)

    print(f"Python {platform.python_version()} ({platform.python_implementation()})"
          f" on {platform.system()} {platform.machine()}")
    print(f"cores: os.cpu_count() = {os.cpu_count()}")
    print(f"process start method: {args.start}")
    if load_before is not None:
        print(f"load average (1 min) before the first round: {load_before:.2f}")
    if loads:
        print(f"load average (1 min) after each round (includes this script's own work): median {statistics.median(loads):.2f},"
              f" {min(loads):.2f}-{max(loads):.2f}")
    print(f"rounds: {args.rounds}; CPU-bound tasks: {TASKS} x a loop over range({args.n:_});"
          f" I/O-bound tasks: {TASKS} x a {WAIT_S} s wait")
    print("speedup = that round's sequential time / the variant's time;"
          " median over the rounds (min-max)")
    for workload in WORKLOADS:
        sequential = times[workload]["sequential"]
        print(f"\n{workload}: sequential {statistics.median(sequential):.2f} s"
              f" (median; {min(sequential):.2f}-{max(sequential):.2f} s)")
        for variant in VARIANTS:
            if variant == "sequential":
                continue
            ratios = [s / t for s, t in zip(sequential, times[workload][variant])]
            print(f"  {variant:<12} {statistics.median(ratios):5.2f}x"
                  f" ({min(ratios):.2f}-{max(ratios):.2f})")


if __name__ == "__main__":
    main()
