s = {3, 1, 2}
s.add(4); s.discard(1)
print(sorted(s), 2 in s, sorted(s | {9}), sorted(s & {2, 3}), sorted(s - {2}), len(s))
t = (1, "a", 2.5)
a, b, c = t
print(t, a, b, c, t[1:], t.count(1), (1,), () == (), (1, 2) < (1, 3))
