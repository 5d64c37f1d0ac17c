w = 8
print("{:>{w}}|".format("hi", w=w), "{:{}}|".format(3, 5), "{0:>{1}.{2}f}|".format(3.14159, 10, 2))
print("{name} is {age:d}".format(name="Ann", age=30), "{0[1]}".format([5, 6]) if False else "", "{!r:>6}".format("x"))
row = ["id", "name", "score"]
print("| " + " | ".join(f"{c:^7}" for c in row) + " |")
for i, (n, s) in enumerate([("ann", 9.5), ("bob", 7.25)], 1):
    print(f"| {i:^7} | {n:<7} | {s:>7.2f} |")
print(f"{'total':>{w}}:{sum([9.5, 7.25]):>{w}.1f}")
print("%-8s|%8.3f|%+d|%x" % ("name", 3.14159, 5, 255))
