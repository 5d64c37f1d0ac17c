r = range(2, 20, 3)
print(list(r), len(r), r[2], r[-1], 5 in r, 8 in r, list(range(5, 0, -2)))
s = list(range(10))
print(s[2:8:2], s[::-3], s[-3:], s[:-7], s[100:], "hello"[1:-1])
s[2:4] = ["a", "b", "c"]
print(s)
