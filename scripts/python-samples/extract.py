"""Extract the Python code samples of the book's chapters.

    python3 extract.py OUT_DIR CHAPTER.md...

Writes every ```python block to OUT_DIR as NNN.py and prints one tab-separated
line per block: the file, "run", "nolab" or "norun", the oldest Python it needs
("3.14", or "-" for any), where the block starts (chapter:line), and how the book
marks it: "runnable" (a `{{#lab python id=NAME}}` line just before it: readers run
it in the browser), "readonly" (the same with readonly="REASON": the book says why
it cannot run there) or "unmarked". A fence
written ```python,norun is compiled but not run; one written ```python,nolab runs
with CPython only (it imports a module the lab's Python does not have); one
written ```python,py314 (py3NN in general) uses what only that version has, so an
older CPython compiles it but does not run it; every other ```python block is
compiled and run. Fences inside block quotes or list items are found too (their
prefix is stripped).
"""
import re
import sys
from pathlib import Path

FENCE = re.compile(r"^(?P<prefix>(?:\s*>)*\s*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
# A fence attribute naming the oldest Python a listing runs on: py314 is 3.14.
NEEDS = re.compile(r"^py3(\d{2})$")
# What crates/mdbook-lab accepts before a listing (it checks the rest).
MARK = re.compile(r"^\{\{#lab python(?P<opts>(?: [^}]*)?)\}\}$")


def marking(lines, fence_at):
    """How the lines before the fence at index `fence_at` mark it (blank lines may part them)."""
    i = fence_at - 1
    while i >= 0 and not lines[i].strip(" >"):
        i -= 1
    m = MARK.match(lines[i].strip(" >").strip()) if i >= 0 else None
    if not m:
        return "unmarked"
    return "readonly" if "readonly=" in m["opts"] else "runnable"


def blocks(path):
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        prefix, fence, info = m["prefix"], m["fence"], m["info"].strip()
        marked = marking(lines, i)
        start = i + 1
        body = []
        i += 1
        while i < len(lines):
            line = lines[i]
            end = FENCE.match(line)
            if end and end["fence"][0] == fence[0] and len(end["fence"]) >= len(fence) and not end["info"].strip():
                break
            body.append(line[len(prefix):] if line.startswith(prefix) else line.lstrip(" >"))
            i += 1
        i += 1
        attrs = [a.strip() for a in info.split(",")]
        if attrs and attrs[0] == "python":
            mode = "norun" if "norun" in attrs[1:] else "nolab" if "nolab" in attrs[1:] else "run"
            minor = max((int(m[1]) for a in attrs[1:] if (m := NEEDS.match(a))), default=None)
            yield start, mode, f"3.{minor}" if minor else "-", marked, "\n".join(body) + "\n"


def main():
    out = Path(sys.argv[1])
    count = 0
    for chapter in sys.argv[2:]:
        for line, mode, needs, marked, code in blocks(chapter):
            count += 1
            target = out / f"{count:03d}.py"
            target.write_text(code, encoding="utf-8")
            print(f"{target}\t{mode}\t{needs}\t{chapter}:{line}\t{marked}")


if __name__ == "__main__":
    main()
