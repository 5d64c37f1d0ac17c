print("aB".swapcase(), "Straße".casefold() == "strasse", "test_x".removeprefix("test_"), "a.py".removesuffix(".py"), "x".removeprefix("y"))
