class Temp:
    scale = "C"
    def __init__(self, c):
        self._c = c
    @property
    def fahrenheit(self):
        return self._c * 9 / 5 + 32
    @staticmethod
    def describe():
        return "temperature"
    @classmethod
    def unit(cls):
        return cls.scale
print(Temp(100).fahrenheit, Temp.describe(), Temp.unit(), Temp(0).unit())
