#!/usr/bin/env python3
"""The lab's Python against CPython, natively and in the browser (wasm).

Two sets of programs:

- crates/lab-python/bench/*.py, the interpreter's speed: each runs on every CPython, on
  labpy (with the GIL and free-threaded), and on the lab's Python in headless Chromium
  (the site's Python worker and its threaded build, through www/bench/python.mjs).
- crates/lab-python/bench/shapes/*.py, the speedup shapes: each times itself (a
  sequential run, then the same work on threads, processes or asyncio tasks) and prints
  its figures as a last line of JSON; they run on the newest CPython, on labpy with the GIL
  and free-threaded, and in the browser with the GIL and free-threaded.

Each round runs every program once on every runner, one after another, so that the
figures compared in a ratio were measured close together and saw about the same load;
a ratio is taken per round, then its median over the rounds. A native time is the wall
time of the whole process; each round also times an empty program on each native runner
(its start and exit). In the browser a program is timed from its start to its exit,
inside wasm, so its ratio to CPython takes CPython's time less CPython's start and exit
(the least of the rounds').
The worker's start-up (loading the build, starting its pool) is reported on its own.
Every runner must print exactly what the newest CPython prints (for a shape, all but its
timing line).

    scripts/bench-python.py --labpy BIN --site DIR --server BIN --out DIR [--reps N]
                            [--python NAME=PATH ...]

Writes DIR/python.json and DIR/python.md. Run through `scripts/bench --python`.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "crates" / "lab-python" / "bench"
PROGRAMS = sorted(BENCH.glob("*.py"))
SHAPES = sorted((BENCH / "shapes").glob("*.py"))
TARGET = 2.0  # what the lab's Python may take, in multiples of CPython's time (in wasm)
WASM = "lab in wasm"
WASM_FT = "lab in wasm, free-threaded"
# Speedup over sequential each shape must show: (lowest, highest or None), with a GIL and
# without one. Under a GIL, CPU-bound threads take turns; 2 cores bound the rest.
SHAPE_TARGETS = {
    "cpu_threads": {"gil": (0.7, 1.15), "free": (1.8, None)},
    "cpu_processes": {"gil": (1.8, None), "free": (1.8, None)},
    "io_threads": {"gil": (3.8, None), "free": (3.8, None)},
    "io_asyncio": {"gil": (3.8, None), "free": (3.8, None)},
}
SHAPE_KEYS = {"shape", "tasks", "sequential_s", "concurrent_s"}


def run(cmd, program):
    """Runs one program; returns (seconds, stdout), or raises with its error."""
    start = time.perf_counter()
    done = subprocess.run(cmd + [str(program)], capture_output=True, text=True, timeout=600)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} {program.name} failed:\n{done.stderr[-2000:]}")
    return took, done.stdout


class Browser:
    """The lab's Python in headless Chromium: www/bench/python.mjs, one request at a time."""

    def __init__(self, site, server):
        self.proc = subprocess.Popen(
            ["node", str(ROOT / "www" / "bench" / "python.mjs"), "--site", str(site), "--server", str(server)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.hello = self._answer()

    def _answer(self):
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the browser driver (www/bench/python.mjs) ended without answering")
        body = json.loads(line)
        if "error" in body:
            raise RuntimeError(f"in the browser: {body['error']}")
        return body

    def ask(self, **request):
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        return self._answer()

    def start(self):
        """A fresh worker; returns its start-up in seconds."""
        return self.ask(op="start")["startup_ms"] / 1000

    def run(self, program, free_threaded=False):
        """Runs one program; returns (seconds from its start to its exit, stdout)."""
        r = self.ask(op="run", file=str(program), freeThreaded=free_threaded)
        if r["exit_code"] != 0:
            mode = " free-threaded" if free_threaded else ""
            raise RuntimeError(f"{program.name} failed in the browser{mode}:\n{r['stderr'][-2000:]}")
        return r["wall_ms"] / 1000, r["stdout"]

    def close(self):
        """Ends the driver (its browser and server with it), even after it failed."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()


def shape_figures(program, name, out):
    """A shape's output without its timing line, and the timing line's figures."""
    *text, last = out.rstrip("\n").split("\n")
    try:
        figures = json.loads(last)
    except ValueError:
        sys.exit(f"{program.name} on {name}: the last line is not JSON: {last!r}")
    if set(figures) != SHAPE_KEYS or figures["shape"] != program.stem:
        sys.exit(f"{program.name} on {name}: the timing line is not one of this shape: {last!r}")
    return "\n".join(text), figures


def same_output(program, outputs, oracle):
    for name, out in outputs.items():
        if out != outputs[oracle]:
            sys.exit(f"{program.name}: {name} printed something else than {oracle}:\n"
                     f"{out[:500]}\n--- {oracle} ---\n{outputs[oracle][:500]}")


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


def commit():
    """The commit measured, and whether tracked files had changed since."""
    def git(*args):
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True).stdout.strip()
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + (" (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else "")


def spread(xs):
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "samples": xs}


def met(value, target):
    low, high = target
    return value >= low and (high is None or value <= high)


def target_text(target):
    low, high = target
    return f"{low}-{high}x" if high is not None else f">= {low}x"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labpy", required=True, help="the labpy binary")
    ap.add_argument("--site", required=True, type=Path, help="the built site (book/build)")
    ap.add_argument("--server", required=True, type=Path, help="the lab-serve binary")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--python", action="append", default=[], metavar="NAME=PATH",
                    help="a CPython to compare with (repeatable; the newest last)")
    opt = ap.parse_args()
    if opt.reps < 1:
        sys.exit("--reps must be at least 1")
    pythons = dict(p.split("=", 1) for p in opt.python)
    if not pythons:
        sys.exit("give at least one --python NAME=PATH")
    native = {name: [path] for name, path in pythons.items()}
    native["lab"] = [opt.labpy]
    native["lab free-threaded"] = [opt.labpy, "--free-threaded"]
    oracle = list(pythons)[-1]  # the newest, given last
    # The shapes run on the newest CPython only (the oracle); the lab's both ways.
    shape_native = {n: native[n] for n in (oracle, "lab", "lab free-threaded")}
    shape_runners = [*shape_native, WASM, WASM_FT]

    times = {p.stem: {name: [] for name in [*native, WASM]} for p in PROGRAMS}
    startup = {name: [] for name in [*native, WASM]}
    shapes = {p.stem: {name: {"sequential_s": [], "concurrent_s": [], "speedup": []}
                       for name in shape_runners} for p in SHAPES}
    loads = []
    scratch = tempfile.TemporaryDirectory()
    empty = Path(scratch.name) / "empty.py"
    empty.write_text("pass\n")

    browser = Browser(opt.site, opt.server)
    try:
        for r in range(opt.reps):
            print(f"round {r + 1}/{opt.reps}", file=sys.stderr)
            loads.append(os.getloadavg()[0])
            startup[WASM].append(browser.start())
            for name, cmd in native.items():
                startup[name].append(run(cmd, empty)[0])
            for program in PROGRAMS:
                outputs = {}
                for name, cmd in native.items():
                    took, outputs[name] = run(cmd, program)
                    times[program.stem][name].append(took)
                took, outputs[WASM] = browser.run(program)
                times[program.stem][WASM].append(took)
                same_output(program, outputs, oracle)
            for program in SHAPES:
                outputs = {}
                for name in shape_runners:
                    if name in shape_native:
                        _, out = run(shape_native[name], program)
                    else:
                        _, out = browser.run(program, free_threaded=name == WASM_FT)
                    outputs[name], figures = shape_figures(program, name, out)
                    s = shapes[program.stem][name]
                    s["sequential_s"].append(figures["sequential_s"])
                    s["concurrent_s"].append(figures["concurrent_s"])
                    s["speedup"].append(figures["sequential_s"] / figures["concurrent_s"])
                same_output(program, outputs, oracle)
            loads.append(os.getloadavg()[0])
    finally:
        browser.close()
        scratch.cleanup()

    rows = []
    for program in PROGRAMS:
        t = times[program.stem]
        row = {"program": program.stem, "median_s": {n: statistics.median(v) for n, v in t.items()}}
        # Whole processes against whole processes, natively.
        row["lab_over"] = {
            n: statistics.median(a / b for a, b in zip(t["lab"], t[n])) for n in pythons
        }
        # In wasm, the program alone: a native runner's time less its start and exit, a
        # fixed cost (the least of the rounds': load only adds to it).
        def program_only(n):
            return [max(a - min(startup[n]), 1e-6) for a in t[n]]
        row["wasm_over"] = {
            n: statistics.median(a / b for a, b in zip(t[WASM], program_only(n)))
            for n in [*pythons, "lab"]
        }
        rows.append(row)
    shape_rows = []
    for program in SHAPES:
        for name in shape_runners:
            s = shapes[program.stem][name]
            free = "free-threaded" in name
            target = SHAPE_TARGETS.get(program.stem, {}).get("free" if free else "gil")
            speedup = statistics.median(s["speedup"])
            shape_rows.append({
                "shape": program.stem,
                "runner": name,
                "sequential_s": statistics.median(s["sequential_s"]),
                "concurrent_s": statistics.median(s["concurrent_s"]),
                "speedup": spread(s["speedup"]),
                "target": target,
                "met": met(speedup, target) if target else None,
            })
    report = {
        "machine": machine(),
        "commit": commit(),
        "reps": opt.reps,
        "load_average": spread(loads),
        "pythons": {n: subprocess.run([p, "-VV"], capture_output=True, text=True).stdout.strip()
                    for n, p in pythons.items()},
        "browser": browser.hello["browser"],
        "startup_s": {n: spread(v) for n, v in startup.items()},
        "target_wasm_over_cpython": TARGET,
        "programs": rows,
        "shapes": shape_rows,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    opt.out.mkdir(parents=True, exist_ok=True)
    (opt.out / "python.json").write_text(json.dumps(report, indent=2) + "\n")
    md = markdown(report, list(pythons), oracle)
    (opt.out / "python.md").write_text(md)
    print(md, end="")


def markdown(report, names, oracle):
    """python.md: the report's figures as tables."""
    md = ["# The lab's Python against CPython, natively and in wasm", ""]
    m = report["machine"]
    md.append(f"- **Machine:** {m['cpu']}, {m['cores']} cores; {m['system']}")
    md.append(f"- **Commit:** {report['commit']}; finished {report['finished']}")
    md.append("- **CPython:** " + "; ".join(f"{n}: {v}" for n, v in report["pythons"].items()))
    md.append(f"- **Browser:** headless {report['browser']}, the site's Python worker "
              "(lab/python-worker.js) and its threaded build (lab/pkg-py), cross-origin isolated")
    la = report["load_average"]
    md.append(f"- **Rounds:** {report['reps']}; load average (1 min, read at the start and end of "
              f"each round) median {la['median']:.2f} ({la['min']:.2f}-{la['max']:.2f})")
    su = report["startup_s"]
    md.append("- **Start-up** (median, range): the browser's Python worker "
              f"{su[WASM]['median'] * 1000:.0f} ms ({su[WASM]['min'] * 1000:.0f}-{su[WASM]['max'] * 1000:.0f}: "
              "`new Worker` to the end of an empty program, less that program's own time: loading "
              "the build and starting its pool); an empty program's whole process: "
              + ", ".join(f"{n} {su[n]['median'] * 1000:.0f} ms" for n in [*names, "lab"]))
    md += ["", "## Programs (crates/lab-python/bench)", "",
           "Native times are whole processes (start-up included); the wasm time is the program's, "
           "from its start to its exit, and its ratios compare it with the native runner's time "
           "less that runner's least empty-program time. Ratios are medians of the "
           f"rounds' ratios. Target: the lab in wasm at most {report['target_wasm_over_cpython']}x "
           f"the time of {oracle}.", ""]
    head = ([f"{n} (s)" for n in names] + ["lab (s)", "lab free-threaded (s)", f"{WASM} (s)"]
            + [f"lab / {n}" for n in names] + [f"wasm / {n}" for n in names] + ["wasm / lab", "target"])
    md += ["| program | " + " | ".join(head) + " |", "|---" * (len(head) + 1) + "|"]
    for row in report["programs"]:
        s = row["median_s"]
        cells = ([f"{s[n]:.3f}" for n in names] + [f"{s['lab']:.3f}", f"{s['lab free-threaded']:.3f}", f"{s[WASM]:.3f}"]
                 + [f"{row['lab_over'][n]:.2f}x" for n in names]
                 + [f"{row['wasm_over'][n]:.2f}x" for n in names]
                 + [f"{row['wasm_over']['lab']:.2f}x",
                    "met" if row["wasm_over"][oracle] <= report["target_wasm_over_cpython"] else "**missed**"])
        md.append(f"| {row['program']} | " + " | ".join(cells) + " |")
    md += ["", "## Speedup shapes (crates/lab-python/bench/shapes)", "",
           "Each program times its sequential run and the same work done concurrently (4 tasks) "
           "itself; speedup = sequential / concurrent, median of the rounds (range)."]
    if la["median"] > m["cores"]:
        md += ["", f"The machine was busy (load average {la['median']:.1f} on {m['cores']} cores): "
               "the CPU-bound shapes then measure the other work's share of the cores as much as "
               "the Python, and their speedups, with the GIL or without, say little about it. The "
               "I/O-bound shapes need no free core."]
    md += ["",
           "| shape | runner | sequential (s) | concurrent (s) | speedup | target | |",
           "|---|---|---|---|---|---|---|"]
    for row in report["shapes"]:
        sp = row["speedup"]
        target = target_text(row["target"]) if row["target"] else "-"
        verdict = "" if row["met"] is None else ("met" if row["met"] else "**missed**")
        md.append(f"| {row['shape']} | {row['runner']} | {row['sequential_s']:.3f} | "
                  f"{row['concurrent_s']:.3f} | {sp['median']:.2f}x ({sp['min']:.2f}-{sp['max']:.2f}) | "
                  f"{target} | {verdict} |")
    return "\n".join(md) + "\n"


if __name__ == "__main__":
    main()
