a, *b, c = [1, 2, 3, 4, 5]
print(a, b, c)
(x, y), z = (1, 2), 3
print(x, y, z, [*range(3), *"ab"], (*b, 9), {**{"a": 1}, "b": 2})
for i, (p, q) in enumerate([(1, 2), (3, 4)]):
    print(i, p + q)
