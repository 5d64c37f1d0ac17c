def counter():
    n = 0
    def inc(step=1):
        nonlocal n
        n += step
        return n
    return inc
c = counter()
c(); c(5)
print(c())
total = 0
def add(x):
    global total
    total += x
for i in range(4):
    add(i)
print(total)
fs = [lambda i=i: i * 10 for i in range(3)]
print([f() for f in fs])
