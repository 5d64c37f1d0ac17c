class Countdown:
    def __init__(self, n):
        self.n = n
    def __iter__(self):
        return self
    def __next__(self):
        if self.n <= 0:
            raise StopIteration
        self.n -= 1
        return self.n + 1
print(list(Countdown(3)), sum(Countdown(4)), [x * 2 for x in Countdown(2)], max(Countdown(5)))
c = Countdown(2)
print(next(c), next(c), next(c, "done"))
def g():
    yield 1
    return "finished"
it = g()
print(next(it))
try:
    next(it)
except StopIteration as e:
    print("stop", e.value if hasattr(e, "value") else None)
print(dict(zip("abc", range(3))), dict([("x", 1)]), dict(a=1, b=2), list(enumerate(Countdown(2))))
print(sorted(Countdown(3)), tuple(reversed(range(3))), any(Countdown(0)), "".join(str(x) for x in Countdown(3)))
nums = [5, 3, 8]
nums.sort(key=lambda v: -v)
print(nums, sorted(["b", "A", "c"]), sorted([[2, 1], [1, 2]]), min([(1, "b"), (1, "a")]))
x = 10
def show():
    x = 20
    def inner():
        return x
    return inner()
print(show(), x, (lambda: x)())
print(*[1, 2, 3], sep="-", end="!\n")
print()
print("a", "b", sep="")
