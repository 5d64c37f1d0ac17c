d = {"b": 2, "a": 1}
d["c"] = 3
print(d, list(d.keys()), list(d.values()), list(d.items()), d.get("z", 0), "a" in d)
d.pop("b"); d.setdefault("e", 5); print(d, len(d), {k: v * 2 for k, v in d.items()})
counts = {}
for w in "the cat the dog the end".split():
    counts[w] = counts.get(w, 0) + 1
print(counts, sorted(counts.items(), key=lambda kv: -kv[1])[0])
