# pickle's rules, which decide what can cross to another process: values and containers by
# value, module-level functions and classes by name, instances by their attributes; a
# lambda or a nested function cannot be pickled.
import pickle


class Account:
    def __init__(self, owner, balance):
        self.owner = owner
        self.balance = balance


def helper():
    return "helper"


def make_inner():
    def inner():
        pass
    return inner


data = {"ints": [1, -2, 10**30], "floats": (0.1, -0.0), "text": "héllo", "set": {3, 1, 2}, "none": None}
copy = pickle.loads(pickle.dumps(data))
print(copy == data, copy is data)
shared = [1]
pair = pickle.loads(pickle.dumps([shared, shared]))
print(pair, pair[0] is pair[1])
print(pickle.loads(pickle.dumps(helper)) is helper, pickle.loads(pickle.dumps(Account)) is Account)
acct = pickle.loads(pickle.dumps(Account("ada", 10)))
print(type(acct).__name__, acct.owner, acct.balance)
err = pickle.loads(pickle.dumps(ValueError("bad", 3)))
print(type(err).__name__, err.args)
for bad in (lambda: 0, make_inner()):
    try:
        pickle.dumps(bad)
    except (pickle.PicklingError, AttributeError) as e:
        print(type(e).__name__ + ":", str(e).split(" at 0x")[0])
print(issubclass(pickle.PicklingError, pickle.PickleError))
