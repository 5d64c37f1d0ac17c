class BankError(Exception):
    def __init__(self, amount):
        super().__init__(f"insufficient funds: {amount}")
        self.amount = amount
raise BankError(50)
