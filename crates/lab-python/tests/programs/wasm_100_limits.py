# Absurd allocations raise MemoryError and deep recursion RecursionError, as in CPython.
import sys

def attempt(label, make):
    try:
        make()
        print(label, "built")
    except MemoryError:
        print(label, "MemoryError")
    except OverflowError as e:
        print(label, "OverflowError")

big = 10**12
attempt("list repeat", lambda: [0] * big)
attempt("tuple repeat", lambda: (0,) * big)
attempt("str repeat", lambda: "x" * big)
attempt("ljust", lambda: "x".ljust(big))
attempt("center", lambda: "x".center(big))
attempt("zfill", lambda: "7".zfill(big))
attempt("format width", lambda: format("a", ">" + str(big)))
attempt("f-string width", lambda: f"{1:{big}}")
attempt("percent width", lambda: "%1000000000000d" % 1)
attempt("shift", lambda: 1 << (1 << 40))
attempt("list of range", lambda: list(range(big)))

def down(n):
    return down(n + 1)

try:
    down(0)
except RecursionError as e:
    print("RecursionError:", e)
print(sys.getrecursionlimit())
