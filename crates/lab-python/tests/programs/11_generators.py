def gen(n):
    for i in range(n):
        yield i * i
g = gen(4)
print(next(g), next(g), list(g))
def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b
out = []
for v in fib():
    if v > 50:
        break
    out.append(v)
print(out, sum(x for x in range(10)), any(x > 8 for x in range(10)), all([]))
