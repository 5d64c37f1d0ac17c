# Attribute namespaces: insertion order, names made at run time, shadowing and deletion.
class Base:
    kind = "base"

    def describe(self):
        return f"{self.kind}:{self.name}"


class Item(Base):
    def __init__(self, name):
        self.name = name
        self.size = 1
        self.tags = []


item = Item("lamp")
item.colour = "red"
del item.size
item.size = 2
print(item.__dict__)
print(list(item.__dict__), len(item.__dict__))

# A name built while the program runs is another string with the same text.
attr = "si" + "ze"
print(getattr(item, attr), hasattr(item, "ze"[:0] + "colour"))
setattr(item, "wei" + "ght", 3.5)
print(item.weight, item.__dict__["weight"])
del item.colour
print(hasattr(item, "colour"), list(item.__dict__))

# Instance attributes shadow the class's; deleting one uncovers the class's again.
print(item.describe())
item.kind = "own"
print(item.describe(), Item.kind, Base.kind)
del item.kind
print(item.describe())

# A method shadowed by an instance attribute, then restored.
item.describe = lambda: "shadowed"
print(item.describe())
del item.describe
print(item.describe())

# Class attributes added and replaced after the class was made.
Item.kind = "item"
print(item.describe(), Base.kind)
Base.extra = 10
print(item.extra, Item.extra)
Base.extra = 20
print(item.extra)

# Names of the same length and first letter, and many attributes in one object.
class Many:
    pass


m = Many()
for k in range(40):
    setattr(m, f"a{k:02d}", k * k)
m.ab, m.ac, m.ad = 1, 2, 3
print(sum(getattr(m, f"a{k:02d}") for k in range(40)), m.ab, m.ac, m.ad)
print(list(m.__dict__)[:3], list(m.__dict__)[-3:], len(m.__dict__))
try:
    m.ae
except AttributeError as e:
    print("AttributeError:", e)
