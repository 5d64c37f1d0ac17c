a = [3, 1, 2]
a.append(5); a.extend([0]); a.insert(1, 9)
print(a, a.pop(), a.index(9), sorted(a), a[-1], a[1:3], a[::2])
a.sort(); a.reverse(); print(a, [1, 2] + [3], [0] * 3, 2 in a)
del a[0]; a[0] = 100; print(a, len(a), min(a), max(a), sum(a))
