data = [1, 5, 12, 7, 30]
if (n := len(data)) > 3:
    print("long", n)
print([y for x in data if (y := x * 2) > 10], [(i, j) for i in range(3) for j in range(i)])
print(sorted({x % 3 for x in data}), {x: x * x for x in range(4)})
