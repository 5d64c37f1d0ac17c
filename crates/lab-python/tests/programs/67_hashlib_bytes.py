# bytes (the subset hashlib needs) and hashlib.sha256, against CPython's digests.
import hashlib
import threading

empty = bytes()
zeros = bytes(5)
print(repr(empty), repr(zeros), len(zeros))
print(repr(bytes([0, 9, 10, 13, 39, 65, 92, 127, 200, 255])))
print(repr(bytes([34, 39])), repr(bytes([39])), repr(bytes(range(32, 48))))
print(zeros == bytes(5), zeros == bytes(4), zeros == bytes([0, 0, 0, 0, 0]), zeros != empty)
print(bytes(zeros) == zeros, bytes([1, 2]).hex(), bool(empty), bool(zeros))
text = "Grüße, GIL".encode()
print(repr(text), len(text), text == "Grüße, GIL".encode("utf-8"))

print(hashlib.sha256().hexdigest())
print(hashlib.sha256(empty).hexdigest())
print(hashlib.sha256("abc".encode()).hexdigest())
h = hashlib.sha256()
h.update("a".encode())
copy = h.copy()
h.update("bc".encode())
print(h.hexdigest() == hashlib.sha256("abc".encode()).hexdigest(), copy.hexdigest())
print(h.name, h.digest_size, h.block_size, len(h.digest()), h.digest().hex() == h.hexdigest())
print(hashlib.new("sha256", "abc".encode()).hexdigest() == h.hexdigest())
print(hashlib.sha256(string="x".encode()).hexdigest())
print(repr(hashlib.sha256("abc".encode()).digest()))

# Large data: hashed with the GIL released, in threads as in the book.
DATA = bytes(3_000_000)
expected = hashlib.sha256(DATA).hexdigest()
print(expected)
results = []
threads = [threading.Thread(target=lambda: results.append(hashlib.sha256(DATA).hexdigest())) for _ in range(3)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(results == [expected] * 3)

for bad in [lambda: bytes(-1), lambda: bytes([256]), lambda: bytes("abc"), lambda: bytes([1.5]),
            lambda: hashlib.sha256("abc"), lambda: hashlib.sha256(5)]:
    try:
        bad()
    except (TypeError, ValueError) as e:
        print(type(e).__name__ + ":", e)
