import sys
d = {"a": 1, "b": 2}
ks = d.keys()
d["c"] = 3
print(ks, len(ks), "c" in ks, d.values(), d.items(), ("a", 1) in d.items(), bool({}.keys()))
print("to stderr", file=sys.stderr)
sys.stdout.write("written\n")
print("done", flush=True)
