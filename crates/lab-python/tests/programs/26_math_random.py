import math, random
print(math.sqrt(16), math.floor(-2.5), math.ceil(2.1), math.pi, math.gcd(12, 18), math.factorial(20))
print(round(math.log(100, 10), 6), math.isqrt(99), math.inf > 1e308)
random.seed(42)
print(random.random(), random.randint(1, 100), random.choice("abcdef"))
xs = list(range(10)); random.shuffle(xs); print(xs, random.randrange(0, 100, 5))
