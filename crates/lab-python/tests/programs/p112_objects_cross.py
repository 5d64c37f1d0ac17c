# What crosses a process boundary is a copy: instances of module-level classes by their
# attributes, shared references inside one message stay shared, exceptions keep their type.
import multiprocessing as mp


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def norm2(self):
        return self.x * self.x + self.y * self.y


class AppError(Exception):
    pass


def move(p):
    p.x += 10
    return p


def shared(pair):
    a, b = pair
    a.append("changed")
    return pair, a is b


def refuse(n):
    raise AppError(f"cannot do {n}")


if __name__ == "__main__":
    with mp.get_context("spawn").Pool(2) as pool:
        p = Point(1, 2)
        q = pool.apply(move, (p,))
        print(type(q).__name__, q.x, q.y, q.norm2(), p.x, q is p)
        lst = [1]
        (a, b), same = pool.apply(shared, ((lst, lst),))
        print(a, b, same, a is b, lst)
        try:
            pool.apply(refuse, (7,))
        except AppError as e:
            print("AppError:", e)
        print(pool.map(abs, [-1, -2]))
        print(pool.apply(sorted, ({3, 1, 2},)))
