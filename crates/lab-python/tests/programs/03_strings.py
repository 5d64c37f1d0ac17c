s = "Hello, World"
print(s.upper(), s.lower(), s.split(", "), "-".join(["a", "b"]), s[::-1], s[1:5], s.find("o"))
print(s.replace("l", "L"), s.startswith("He"), "  x ".strip(), repr("it's"), "a,b,,c".split(","))
print("abc" * 3, "x" in s, len(s), s.count("l"), "{} and {name}".format(1, name="n"))
