class Ctx:
    def __init__(self, name):
        self.name = name
    def __enter__(self):
        print("enter", self.name)
        return self
    def __exit__(self, t, v, tb):
        print("exit", self.name, t.__name__ if t else None)
        return t is ValueError
with Ctx("a") as c, Ctx("b"):
    print("body", c.name)
with Ctx("c"):
    raise ValueError("swallowed")
print("after")
