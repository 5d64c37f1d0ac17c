#!/usr/bin/env python3
"""The lab's Python against CPython on the programs in crates/lab-python/bench/.

Each round runs every program once with every interpreter, one after another, so that
the figures compared in a ratio were measured close together and saw about the same load.
A program's time is the wall time of its whole process (start-up included, as a reader
waits for it). Every interpreter must print exactly what the newest CPython prints.

    scripts/bench-python.py --labpy BIN --out DIR [--reps N] [--python NAME=PATH ...]

Writes DIR/python.json and DIR/python.md. Run through `scripts/bench --python`.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = sorted((ROOT / "crates" / "lab-python" / "bench").glob("*.py"))
TARGET = 2.0  # what the lab's Python may take, in multiples of CPython's time (in wasm)


def run(cmd, program):
    """Runs one program; returns (seconds, stdout), or raises with its error."""
    start = time.perf_counter()
    done = subprocess.run(cmd + [str(program)], capture_output=True, text=True, timeout=600)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} {program.name} failed:\n{done.stderr[-2000:]}")
    return took, done.stdout


def machine():
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "system": platform.platform()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labpy", required=True, help="the labpy binary")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--python", action="append", default=[], metavar="NAME=PATH",
                    help="a CPython to compare with (repeatable)")
    opt = ap.parse_args()
    if opt.reps < 1:
        sys.exit("--reps must be at least 1")
    pythons = dict(p.split("=", 1) for p in opt.python)
    if not pythons:
        sys.exit("give at least one --python NAME=PATH")
    runners = {name: [path] for name, path in pythons.items()}
    runners["lab"] = [opt.labpy]
    runners["lab free-threaded"] = [opt.labpy, "--free-threaded"]
    oracle = list(pythons)[-1]  # the newest, given last

    times = {p.stem: {name: [] for name in runners} for p in PROGRAMS}
    loads = []
    for r in range(opt.reps):
        print(f"round {r + 1}/{opt.reps}", file=sys.stderr)
        for program in PROGRAMS:
            outputs = {}
            for name, cmd in runners.items():
                took, out = run(cmd, program)
                times[program.stem][name].append(took)
                outputs[name] = out
            for name, out in outputs.items():
                if out != outputs[oracle]:
                    sys.exit(f"{program.name}: {name} printed something else than {oracle}:\n"
                             f"{out[:500]}\n--- {oracle} ---\n{outputs[oracle][:500]}")
        loads.append(os.getloadavg()[0])

    rows = []
    for program in PROGRAMS:
        t = times[program.stem]
        row = {"program": program.stem, "median_s": {n: statistics.median(v) for n, v in t.items()}}
        # A ratio per round, then its median: both runs of a round saw the same load.
        row["lab_over"] = {
            n: statistics.median(a / b for a, b in zip(t["lab"], t[n])) for n in pythons
        }
        rows.append(row)
    report = {
        "machine": machine(),
        "reps": opt.reps,
        "load_average": {"median": statistics.median(loads), "min": min(loads), "max": max(loads)},
        "pythons": {n: subprocess.run([p, "-VV"], capture_output=True, text=True).stdout.strip()
                    for n, p in pythons.items()},
        "programs": rows,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    opt.out.mkdir(parents=True, exist_ok=True)
    (opt.out / "python.json").write_text(json.dumps(report, indent=2) + "\n")

    names = list(pythons)
    md = ["# The lab's Python against CPython (native)", ""]
    m = report["machine"]
    md.append(f"- **Machine:** {m['cpu']}, {m['cores']} cores; {m['system']}")
    md.append(f"- **CPython:** " + "; ".join(f"{n}: {v}" for n, v in report["pythons"].items()))
    la = report["load_average"]
    md.append(f"- **Rounds:** {opt.reps}; load average (1 min) median {la['median']:.2f} "
              f"({la['min']:.2f}-{la['max']:.2f}); times are whole processes, start-up included")
    md.append(f"- **Target (in wasm):** at most {TARGET}x CPython's time; these are native figures")
    md += ["", "| program | " + " | ".join(f"{n} (s)" for n in names)
           + " | lab (s) | lab free-threaded (s) | " + " | ".join(f"lab / {n}" for n in names) + " |",
           "|---" * (2 * len(names) + 3) + "|"]
    for row in rows:
        s = row["median_s"]
        md.append(f"| {row['program']} | " + " | ".join(f"{s[n]:.3f}" for n in names)
                  + f" | {s['lab']:.3f} | {s['lab free-threaded']:.3f} | "
                  + " | ".join(f"{row['lab_over'][n]:.2f}x" for n in names) + " |")
    (opt.out / "python.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
