# Building dicts and lists: hashing, appends and lookups.
squares = {}
for i in range(300_000):
    squares[i] = i * i
evens = [v for k, v in squares.items() if k % 2 == 0]
index = {}
for word in ("alpha", "beta", "gamma", "delta") * 50_000:
    index[word] = index.get(word, 0) + 1
print(len(squares), len(evens), sum(evens) % 1_000_007, sorted(index.items()))
