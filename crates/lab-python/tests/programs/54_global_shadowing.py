def f():
    return len("abc")
print(f())
len = lambda s: 99
print(f())
del len
print(f())
x = 1
def g():
    return x
print(g())
del x
try:
    g()
except NameError as e:
    print(e)
x = 5
print(g())
def setter():
    global y
    y = 10
setter(); print(y)
for name in ["a", "b"]:
    globals_like = name
print(globals_like)
