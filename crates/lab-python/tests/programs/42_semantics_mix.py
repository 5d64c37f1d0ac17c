class Stack:
    def __init__(self):
        self.items = []
    def push(self, x):
        self.items.append(x)
        return self
    def __iter__(self):
        return iter(self.items)
    def __contains__(self, x):
        return x in self.items
    def __getitem__(self, i):
        return self.items[i]
    def __bool__(self):
        return bool(self.items)
s = Stack().push(1).push(2)
print(list(s), 2 in s, s[0], bool(s), bool(Stack()))
class Node:
    count = 0
    def __init__(self, v, nxt=None):
        Node.count += 1
        self.v, self.nxt = v, nxt
n = Node(1, Node(2, Node(3)))
vals = []
while n:
    vals.append(n.v)
    n = n.nxt
print(vals, Node.count)
print([x for x in range(20) if x % 3 == 0 if x % 2 == 0])
print({(i, j): i * j for i in range(2) for j in range(2)})
print(sorted(["banana", "Apple", "cherry"], key=str.lower))
print(list(map(str, [1, 2])), "".join(map(str, range(5))))
x = 5
def f():
    print(x)
f()
def g():
    try:
        return "try"
    finally:
        print("finally runs")
print(g())
def h():
    for i in range(3):
        try:
            continue
        finally:
            print("f", i)
h()
print(type(None).__name__, type(1.5), type([]) == list, str(type(len)))
import math
print(f"{math.pi:.3}", f"{1/3:.3g}", f"{12345.678:g}", f"{0.000012345:g}", f"{100:,.2f}", f"{-5:05d}")
print(1 == 1.0, hash(1) == hash(1.0), {1: "a", 1.0: "b"}, 0.1 * 3, 2 ** 0.5, 10 ** -2)
print(int("0x1f", 16), int("1_000"), float("1e3"), str(1e100), 1e100, float("inf"), -float("inf"))
print(max([]) if False else "ok", min("abc"), max((1, "b"), (1, "a")))
print(list(range(10))[::-1][:3], "abc"[::-1], [1, 2, 3][-2:])
a = [1, 2, 3]
b = a
b += [4]
print(a, a is b)
t = (1, 2)
t2 = t
t2 += (3,)
print(t, t2)
print(divmod(7, -2), 7 % -2, -7 // 2, round(0.5), round(1.5), round(-1.5), round(2.5001))
