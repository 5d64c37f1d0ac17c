class Animal:
    kind = "animal"
    def __init__(self, name):
        self.name = name
    def speak(self):
        return f"{self.name} makes a sound"
    def __repr__(self):
        return f"Animal({self.name!r})"
class Dog(Animal):
    def speak(self):
        return super().speak() + " (woof)"
    def __str__(self):
        return "Dog " + self.name
d = Dog("rex")
print(d.speak(), d, repr(d), isinstance(d, Animal), type(d).__name__, Dog.kind)
print(hasattr(d, "name"), getattr(d, "nope", 7), isinstance(3, (str, int)))
