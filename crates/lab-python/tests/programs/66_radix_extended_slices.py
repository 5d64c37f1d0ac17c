# hex, oct and bin, and assignment to extended slices (a step other than 1).
print(hex(255), hex(-255), oct(8), oct(-8), bin(5), bin(0), hex(True), hex(2**70))
for bad in (1.5, "7", None):
    try:
        hex(bad)
    except TypeError as e:
        print("TypeError:", e)

xs = list(range(10))
xs[::2] = ["e"] * 5
print(xs)
xs[1::3] = "abc"
print(xs)
xs[::-1] = range(10)
print(xs)
xs[8:2:-2] = [None, None, None]
print(xs)
xs[5:5:2] = []
print(xs)
try:
    xs[::2] = [1, 2]
except ValueError as e:
    print("ValueError:", e)

sieve = [True] * 30
sieve[0] = sieve[1] = False
for i in range(2, 6):
    if sieve[i]:
        sieve[i * i::i] = [False] * len(range(i * i, 30, i))
print([k for k in range(30) if sieve[k]])
