def load(key):
    try:
        return {"a": 1}[key]
    except KeyError as e:
        raise LookupError(f"no setting {key}") from e
try:
    load("b")
except LookupError as e:
    print(e, type(e.__cause__).__name__, e.__cause__)
try:
    try:
        int("x")
    except ValueError:
        raise RuntimeError("during handling")
except RuntimeError as e:
    print(e, type(e.__context__).__name__)
load("zzz")
