"""Record CPython's run of each of the book's runnable listings.

    python3 record-cpython.py LISTINGS.json OUT.json [ID ...]

LISTINGS.json is what `mdbook-lab listings` prints. With IDs, only those listings run
again; the other records in OUT.json are kept as they were recorded (listings no longer in
the book are dropped). Each listing runs from a clean
folder with the newest CPython found ($PYTHON, else python3 on the PATH and pyenv's
versions); OUT.json gets, per widget id, the source's SHA-256, stdout, exit code, the
Python version, the machine (CPU model, cores) and the date.
"""
import datetime
import glob
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

TIMEOUT = 120


def version_of(python):
    out = subprocess.run([python, "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
                         capture_output=True, text=True, check=True)
    return tuple(int(x) for x in out.stdout.strip().split("."))


def newest_python():
    if os.environ.get("PYTHON"):
        return os.environ["PYTHON"]
    found = ["python3"] + glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3"))
    # Free-threaded builds (3.13t) are not the book's reference.
    found = [p for p in found if "t/bin" not in p]
    return max(found, key=version_of)


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return " ".join(line.split(":", 1)[1].split())
    except OSError:
        pass
    return "unknown CPU"


def main():
    listings = json.loads(Path(sys.argv[1]).read_text())
    out_path = Path(sys.argv[2])
    python = newest_python()
    version = ".".join(map(str, version_of(python)))
    machine = {"cpu": cpu_model(), "cores": os.cpu_count()}
    date = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    only = set(sys.argv[3:])
    unknown = only - {listing["id"] for listing in listings}
    if unknown:
        sys.exit(f"no runnable listing with the id {', '.join(sorted(unknown))}")
    if only and not out_path.exists():
        sys.exit(f"{out_path} does not exist yet: record every listing first (no ids)")
    kept = json.loads(out_path.read_text())["listings"] if only else {}
    records = {}
    for listing in listings:
        if only and listing["id"] not in only:
            if listing["id"] in kept:
                records[listing["id"]] = kept[listing["id"]]
            continue
        with tempfile.TemporaryDirectory() as work:
            prog = Path(work) / "listing.py"
            prog.write_text(listing["source"], encoding="utf-8")
            run = subprocess.run([python, "listing.py"], cwd=work, capture_output=True,
                                 text=True, timeout=TIMEOUT)
        records[listing["id"]] = {
            "sha256": listing["sha256"],
            "stdout": run.stdout,
            "exit_code": run.returncode,
            "python": version,
            **machine,
            "date": date,
        }
        print(f"{listing['id']}: exit code {run.returncode}, {len(run.stdout.splitlines())} line(s)")
    body = {
        "about": "CPython's runs of the book's listings, written by scripts/record-cpython",
        "listings": records,
    }
    out_path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out_path} ({len(records)} listings, CPython {version})")


if __name__ == "__main__":
    main()
