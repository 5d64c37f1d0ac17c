# A prime sieve: list indexing and slice assignment in loops.
def primes_below(limit):
    sieve = [True] * limit
    sieve[0] = sieve[1] = False
    i = 2
    while i * i < limit:
        if sieve[i]:
            sieve[i * i::i] = [False] * len(range(i * i, limit, i))
        i += 1
    return [k for k in range(limit) if sieve[k]]

count = 0
for _ in range(4):
    count += len(primes_below(600_000))
print(count)
