for i in range(10):
    if i % 2 == 0:
        continue
    if i > 7:
        break
    print(i, end=" ")
print()
n = 0
while n < 3:
    n += 1
else:
    print("while-else", n)
for x in []:
    pass
else:
    print("for-else")
print("yes" if n == 3 else "no", 1 < n < 5, not n)
