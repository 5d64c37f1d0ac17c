r = range(-2**62, 2**62)
print(len(range(-2**62, 2**62, 2**61)), r[0], r[-1])
x = [1, 2]
try:
    x[-2**63]
except IndexError as e:
    print(e)
x = [1, 2, 3]
print(x[-2**63:], x[:-2**63], x[::-1][-2**63:])
x.insert(-2**63, 0)
print(x)
try:
    x.pop(-2**63)
except IndexError as e:
    print(e)
