# String formatting: f-strings with format specs, joins and methods.
lines = []
for i in range(120_000):
    lines.append(f"{i:>7} | {i * 1.5:10.2f} | {hex(i)} | {'even' if i % 2 == 0 else 'odd'}")
text = "\n".join(lines)
print(len(text), text.count("even"), lines[-1].upper())
