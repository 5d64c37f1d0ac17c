class Account:
    rate = 0.01
    def __init__(self, owner, balance=0):
        self.owner = owner
        self._balance = balance
    @property
    def balance(self):
        return self._balance
    @balance.setter
    def balance(self, value):
        if value < 0:
            raise ValueError("negative balance")
        self._balance = value
    @classmethod
    def empty(cls, owner):
        return cls(owner)
    @staticmethod
    def fee(amount):
        return amount * 0.02
    def __repr__(self):
        return f"{type(self).__name__}({self.owner!r}, {self._balance})"
a = Account("ann", 10)
a.balance = 25
print(a.balance, a, Account.empty("bob"), a.fee(100), Account.fee(50), a.rate)
try:
    a.balance = -1
except ValueError as e:
    print("rejected:", e)
class Savings(Account):
    rate = 0.05
s = Savings.empty("cy")
print(s, s.rate, isinstance(s, Account), type(s) is Account, s.__class__.__name__)
class ReadOnly:
    @property
    def x(self):
        return 1
try:
    ReadOnly().x = 2
except AttributeError as e:
    print("AttributeError", e)
