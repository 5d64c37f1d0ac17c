# Method calls on objects: attribute lookup, bound methods and instance state.
class Account:
    def __init__(self, owner):
        self.owner = owner
        self.balance = 0

    def deposit(self, amount):
        self.balance += amount
        return self

    def total(self):
        return self.balance


accounts = [Account(f"reader {k}") for k in range(100)]
for i in range(6_000):
    for a in accounts:
        a.deposit(i % 7)
print(sum(a.total() for a in accounts))
