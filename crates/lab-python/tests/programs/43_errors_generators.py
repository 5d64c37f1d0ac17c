def countdown(n):
    while n > 0:
        received = yield n
        if received:
            n = received
        n -= 1
g = countdown(5)
print(next(g), g.send(10), next(g))
def pipeline():
    nums = (i for i in range(10))
    evens = (n for n in nums if n % 2 == 0)
    return [e * e for e in evens]
print(pipeline())
def make_multipliers():
    return [lambda x, i=i: x * i for i in range(3)]
print([m(10) for m in make_multipliers()])
def outer():
    x = "outer"
    def middle():
        def inner():
            return x
        return inner()
    return middle()
print(outer())
class E1(Exception): pass
class E2(E1): pass
try:
    raise E2("deep")
except E1 as e:
    print("E1 caught", type(e).__name__, isinstance(e, Exception))
def risky():
    try:
        raise ValueError("v")
    except ValueError:
        raise
try:
    risky()
except ValueError as e:
    print("reraised", e)
try:
    assert 1 == 2, "math broke"
except AssertionError as e:
    print("assert:", e)
try:
    [].pop()
except IndexError as e:
    print(e)
try:
    None.foo
except AttributeError as e:
    print(e)
try:
    int("abc")
except ValueError as e:
    print(e)
try:
    1 + "a"
except TypeError as e:
    print(e)
try:
    undefined
except NameError as e:
    print(e)
def kw_only(a, *, b):
    return a + b
try:
    kw_only(1, 2)
except TypeError as e:
    print(e)
try:
    kw_only(1)
except TypeError as e:
    print(e)
class P:
    def __init__(self, x):
        self.x = x
try:
    P()
except TypeError as e:
    print(e)
e = ValueError("a", 1)
print(e.args, str(e), repr(e), str(ValueError()), repr(KeyError("k")))
x = 0
try:
    x = 1
except Exception:
    x = 2
else:
    x += 10
finally:
    x += 100
print(x)
def gen_finally():
    try:
        yield 1
        yield 2
    finally:
        print("gen cleanup")
for v in gen_finally():
    print(v)
print(sum(range(101)), sum([[1], [2]], []), max(range(5), key=lambda v: (v % 3, v)))
print(sorted([(2, "b"), (1, "z"), (2, "a")]), sorted({3: 1, 1: 2}), reversed("ab").__class__.__name__ if False else "")
print(isinstance(True, bool), issubclass(bool, int), type(True) is bool, True + True, -True)
print(str(-0.0), 3 / 2, 3 // 2, 3 % 2, 2 ** -1, (-2) ** 2, -2 ** 2, 7.0 // 2, 1e308 * 10)
