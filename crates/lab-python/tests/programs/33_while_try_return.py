def find(xs, target):
    for i, x in enumerate(xs):
        try:
            if x == target:
                return i
        finally:
            pass
    return -1
def loop():
    n = 0
    while True:
        n += 1
        try:
            if n == 3:
                break
        finally:
            print("cleanup", n)
    return n
print(find([5, 6, 7], 7), find([], 1), loop())
