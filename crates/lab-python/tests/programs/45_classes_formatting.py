class A:
    def __init__(self):
        self.log = ["A"]
    def who(self):
        return "A"
class B(A):
    def __init__(self):
        super().__init__()
        self.log.append("B")
    def who(self):
        return "B>" + super().who()
class C(B):
    def __init__(self):
        super().__init__()
        self.log.append("C")
    def who(self):
        return "C>" + super().who()
c = C()
print(c.log, c.who(), isinstance(c, A), type(c).__name__, C.__name__)
class Money:
    def __init__(self, cents):
        self.cents = cents
    def __str__(self):
        return f"${self.cents / 100:.2f}"
    def __repr__(self):
        return f"Money({self.cents})"
    def __add__(self, other):
        if isinstance(other, int):
            return Money(self.cents + other)
        return Money(self.cents + other.cents)
    def __radd__(self, other):
        return self.__add__(other)
    def __eq__(self, other):
        return isinstance(other, Money) and self.cents == other.cents
m = Money(150)
print(m, [m], f"{m}", f"{m!r}", str(m), sum([Money(1), Money(2)]), m == Money(150), m in [Money(150)], m != Money(1))
class Counter:
    instances = 0
    def __init__(self):
        Counter.instances += 1
        self.id = Counter.instances
print([Counter().id for _ in range(3)], Counter.instances)
class Shape:
    def area(self):
        raise NotImplementedError("subclass must implement")
class Sq(Shape):
    def __init__(self, s):
        self.s = s
    def area(self):
        return self.s ** 2
shapes = [Sq(2), Sq(3)]
print([s.area() for s in shapes], sum(s.area() for s in shapes))
try:
    Shape().area()
except NotImplementedError as e:
    print("NIE", e)
print("{:>10}|{:<6}|{:^7}|".format("right", "left", "mid"), "{0}{1}{0}".format("a", "b"), "{x:.1f}".format(x=2.25))
print("a-b-c".split("-", 1), "a b  c".split(), " x ".rstrip(), "Hello".center(11, "*"), "42".zfill(5), "ab".ljust(4, ".") + "|")
print("hello world".title(), "x".isdigit(), "12".isdigit(), "abc".index("c"))
words = "the quick brown fox".split()
print(" ".join(w[::-1] for w in words), max(words, key=len), sorted(words, key=lambda w: (len(w), w)))
print(f"{'nested ' + 'expr'!s:>15}", f"{3+4=}", f"{{literal}}", f"{10:#x} {10:#b} {255:X}")
