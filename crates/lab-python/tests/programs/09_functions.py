def f(a, b=2, *args, c, d=4, **kw):
    return a, b, args, c, d, kw
print(f(1, c=3), f(1, 5, 6, 7, c=8, z=9))
def g(*args, **kwargs):
    return f(*args, **kwargs)
print(g(1, c=0))
sq = lambda x: x * x
print(list(map(sq, range(5))), list(filter(lambda v: v % 2, range(7))))
