l = [1]
l.append(l)
print(l)
d = {}
d["self"] = d
print(d)
x = [[[[[]]]]]
print(x, len(str(list(range(1000)))))
def deep(n):
    return [deep(n - 1)] if n else []
print(str(deep(50)).count("["))
print(f"{'a'!r:>5}", "%s" % [1], "%d%%" % 5)
a = b = c = 5
a += 1
print(a, b, c)
i = 10
while i:
    i -= 1
    if i == 5:
        break
print(i, [1, 2, 3].index(2), "abc".upper().lower())
