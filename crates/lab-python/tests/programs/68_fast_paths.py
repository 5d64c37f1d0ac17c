# The interpreter's shortcuts must agree with the general rules they skip.

# Small-int arithmetic: floor division and modulo round towards minus infinity, and a
# result that leaves 64 bits becomes a big int.
big = 9223372036854775807
small = -9223372036854775808
for x in (7, -7, 0, 1, -1, big, small):
    for y in (3, -3, 1, -1, 2, big, small):
        print(x, y, x // y, x % y, x * y, x + y, x - y, x & y, x | y, x ^ y)
zero = 0
try:
    print(5 // zero)
except ZeroDivisionError as e:
    print(type(e).__name__, e)
try:
    print(5 % zero)
except ZeroDivisionError as e:
    print(type(e).__name__, e)
n = 10
n //= -3
print(n)
n %= -4
print(n)
n *= big
print(n)
n -= small
print(n)
print(3 * 1.5, 7 // 2.0, 7 % 2.5, True + True, True * 3, 7 % True)

# Comparisons feeding a jump, and the bool they leave when nothing jumps on them.
hits = []
i = 0
while i < 10:
    if i % 3 == 0 or i == 7:
        hits.append(i)
    elif not i > 4:
        hits.append(-i)
    i += 1
print(hits, 1 < 2, 2 <= 1, [k for k in range(8) if k != 3 and k >= 2])
print(1 < 2 < 3, 3 > 2 > 2, 5 == 5.0, 2 < 2.5)

# Iterators: a list seen live, a finished iterator stays finished, ranges both ways.
items = [1, 2]
for v in items:
    if len(items) < 5:
        items.append(v * 10)
print(items)
it = iter([1, 2])
print(list(it), list(it), next(it, "done"))
print(list(range(10, 0, -3)), list(range(0)), list(range(5, 20, 5)))
r = iter(range(3))
print(next(r), list(zip(r, "ab")), list(r))
t = iter((1, 2, 3))
for x in t:
    print("tuple item", x, list(t))
print(sum(x for x in range(100)), list(enumerate("ab", 1)))
for k, v in {"a": 1, "b": 2}.items():
    print(k, v)
a, b = (1, 2)
c, (d, e) = 3, [4, 5]
print(a, b, c, d, e)
try:
    a, b = (1, 2, 3)
except ValueError as e:
    print(e)
try:
    a, b, c = (1, 2)
except ValueError as e:
    print(e)

# Appending: the method call without its bound method, and everything around it.
log = []
log.append(log is not None)
add = log.append
add("bound")
log.append([])
log[-1].append(1)
print(log)
try:
    log.append(1, 2)
except TypeError as e:
    print(e)


class Box:
    def __init__(self):
        self.append_calls = 0
        self.value = 1

    def append(self, x):
        self.append_calls += x
        return self


b = Box()
print(b.append(5).append(6).append_calls)


# A property added to a class after its instances have the attribute takes over stores.
class Late:
    pass


late = Late()
late.size = 3
print(late.size)
def size(self):
    return 42


Late.size = property(size)
try:
    late.size = 4
except AttributeError as e:
    print("AttributeError", e)
print(late.size)


class Base:
    @property
    def level(self):
        return self._level

    @level.setter
    def level(self, v):
        self._level = v * 2


class Child(Base):
    pass


child = Child()
child.level = 5
child.other = 1
print(child.level, child.other, child._level)

# Formatting ints and floats, including the extremes of 64 bits and big ints.
for x in (0, 7, -7, 255, -255, big, small, big * 3, True):
    print(f"[{x:>7}|{x:<6}|{x:^9}|{x:x}|{x:#X}|{x:o}|{x:#b}|{x:+}|{x: }|{x:,}|{x:_x}|{x:08}|{x:=+10}]")
for x in (65, 233, 8364):
    print(f"{x:c}|{x:*^5c}|{x:e}|{x:.2f}|{x:%}|{x:g}")
for x in (1.5, -2.25, 1e20, 0.0, -0.0, float("inf"), float("nan")):
    print(f"[{x:10.2f}|{x:<10}|{x:e}|{x:+.3g}|{x:é^12.1f}]")
print(f"{'s':>3}{'t'!s}{'u'!r}{'a'!a}{3!r:>4}", hex(-255), oct(8), bin(-5))
try:
    print(f"{5:q}")
except ValueError as e:
    print(e)

# Slice assignment from a list nothing else holds takes its items; from any other list it
# copies them, so the two lists stay independent.
grid = list(range(10))
grid[::3] = [None] * 4
print(grid)
source = ["a", "b"]
grid[1:3] = source
source.append("c")
print(grid, source)
grid[:] = grid
grid[::2] = grid[1::2]
print(grid)
