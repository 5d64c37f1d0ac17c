class AppError(Exception):
    pass
def risky(n):
    if n < 0:
        raise AppError(f"negative: {n}")
    return n
for v in (1, -1):
    try:
        risky(v)
    except AppError as e:
        print("caught", e, type(e).__name__, e.args)
    else:
        print("ok", v)
    finally:
        print("finally", v)
try:
    {}["x"]
except (KeyError, IndexError) as e:
    print("lookup", repr(e))
try:
    try:
        1 / 0
    except ZeroDivisionError as e:
        raise ValueError("wrapped") from e
except ValueError as e:
    print(e, type(e.__cause__).__name__)
