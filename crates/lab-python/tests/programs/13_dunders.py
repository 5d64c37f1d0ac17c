class V:
    def __init__(self, x, y):
        self.x, self.y = x, y
    def __add__(self, o):
        return V(self.x + o.x, self.y + o.y)
    def __eq__(self, o):
        return self.x == o.x and self.y == o.y
    def __lt__(self, o):
        return (self.x, self.y) < (o.x, o.y)
    def __len__(self):
        return 2
    def __repr__(self):
        return f"V({self.x}, {self.y})"
print(V(1, 2) + V(3, 4), V(1, 2) == V(1, 2), len(V(0, 0)), sorted([V(2, 1), V(1, 5)]))
