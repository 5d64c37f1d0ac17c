# The evaluation loop fuses `local op constant`, `local < constant` (with its jump) and
# two local loads in a row; each must behave exactly as the instructions it stands for,
# whatever the local holds.


def plus_one(a, b):
    # A jump lands between the fused load of `b` and the constant when `a` is falsy.
    return (a and b) + 1


print(plus_one(0, 5), plus_one(3, 5), plus_one(3, 2.5), plus_one(True, False))


def step(x):
    y = x + 1  # the result goes straight to a local
    x -= 3
    x *= 2
    return x, y, x // 2, x % 5, x << 2, x >> 1, x & 6, x | 1, x ^ 3


for value in (7, -7, 2**62, 2**63 - 1, True):
    print(step(value))


def float_step(x):
    y = x + 1
    x -= 3
    x *= 2
    return x, y, x // 2, x % 5, x / 4


print(float_step(1.5), float_step(-0.25))

print(plus_one(2**63 - 1, 2**63 - 1))


def strings(s, items):
    s += "!"
    items += [1]
    items *= 2
    return s, items, s * 2


print(strings("hi", [0]))


def compare(n):
    out = []
    for limit in (n,):
        if limit < 2:
            out.append("small")
        if limit >= 2:
            out.append("big")
        out.append(limit == 3)
        out.append(limit != 3)
        out.append(limit <= 3)
        out.append(limit > 3)
    count = 0
    while count < 4:
        count += 1
    out.append(count)
    return out


for value in (0, 3, 5, 2**70, 2.5):
    print(compare(value))


def pair(a, b):
    return a, b, a * b, [a, b][a > b]


print(pair(2, 3), pair(2.5, 3), pair(7, 1), pair(True, 2))


def unbound_first(flag):
    if flag:
        z = 1
    return z + 1


def unbound_second(flag):
    a = 1
    if flag:
        b = 2
    return a, b


def unbound_compare(flag):
    if flag:
        w = 0
    return w < 5


for f in (unbound_first, unbound_second, unbound_compare):
    print(f(True))
    try:
        f(False)
    except UnboundLocalError as e:
        print(type(e).__name__, e)

try:
    print(step(0) and 1 // (step(0)[0] - (-6)))
except ZeroDivisionError as e:
    print("ZeroDivisionError", e)


def divide(k):
    return k // 0


try:
    divide(4)
except ZeroDivisionError as e:
    print("ZeroDivisionError", e)


class Number:
    def __init__(self, v):
        self.v = v

    def __add__(self, other):
        return Number(self.v + other)

    def __lt__(self, other):
        return self.v < other

    def __repr__(self):
        return f"Number({self.v})"


n = Number(4)
print(plus_one(n, n))


# Two locals and an operator: `total += i`, `x * y`, and a jump into the middle.
def sums(n):
    total = 0
    for i in range(n):
        total += i
    return total


def products(x, y):
    z = x * y
    return z, x - y, x // y, x % y, (x and y) + x


print(sums(10), sums(0), [products(a, b) for a, b in ((6, 4), (-7, 2), (0, 5), (2**40, 2**40), (1.5, 2), (True, 3))])


def second_unbound(flag):
    a = 1
    if flag:
        b = 2
    return a + b


print(second_unbound(True))
try:
    second_unbound(False)
except UnboundLocalError as e:
    print("UnboundLocalError", e)
