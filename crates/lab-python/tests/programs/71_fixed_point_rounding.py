# Fixed-point formatting rounds the exact binary value, ties to even: exact ties, values
# just off a tie, big values and every small precision. A digest of many values catches a
# single digit that differs.
import hashlib

# Exact ties (k/8 and k/2 are exact in binary) and decimal-looking values that are not.
for x in (0.125, 0.375, 0.625, 2.5, 3.5, 0.5, 1.5, 1234.5, 2.675, 1.005, 0.045, 8.345, 1e-7):
    print(f"{x:.0f} {x:.1f} {x:.2f} {x:.3f} {x:10.4f} {x:g} {x:.3g} {x:.9f} {x:%}")

# Values that sit just off a tie, on both sides.
for k in range(1, 6):
    tie = k + 0.5
    print(f"{tie:.0f} {tie + 1e-9:.0f} {tie - 1e-9:.0f} {tie + 2e-16 * k:.0f}")

# Big values: beyond the fast range, and near it.
for x in (1e9 + 0.5, 2.0**40 / 1000, 2.0**40 / 1000 + 0.0005, 123456789.125, 9.87654321e14, 1e22, 1.5e300):
    print(f"{x:.2f} {x:.3f} {x:.0f}")

# Many pseudo-random values at every precision up to 12, hashed.
state = 12345
lines = []
for i in range(6000):
    state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
    mag = 10.0 ** (state % 13 - 4)
    x = (state >> 11) / 2**53 * mag
    p = i % 13
    lines.append(f"{x:.{p}f}|{-x:.{p}f}|{x * 8 // 1 / 8:.{p}f}|{x:.{p}g}")
text = "\n".join(lines)
print(len(text), hashlib.sha256(text.encode()).hexdigest())
print(lines[0], lines[7], lines[12], sep="\n")
print(f"{-0.0:.2f} {0.0:.3f} {-0.004:.2f} {-0.005:.2f} {float('inf'):.2f} {float('nan'):.1f}")
