# ExceptionGroup: construction rules, str/repr, and CPython's boxed traceback for an uncaught group.
def f(n):
    raise ValueError(f"boom {n}")
def g():
    errs = []
    for i in range(2):
        try:
            f(i)
        except ValueError as e:
            errs.append(e)
    errs.append(ExceptionGroup("inner", [KeyError("k")]))
    raise ExceptionGroup("outer", errs)
try:
    g()
except Exception as e:
    print(repr(e), str(e), e.message, e.exceptions, e.args)
print(str(ExceptionGroup("one", [ValueError()])))
print(isinstance(ExceptionGroup("one", [ValueError()]), BaseExceptionGroup))
for bad in [[], [1], [KeyboardInterrupt()]]:
    try:
        ExceptionGroup("x", bad)
    except Exception as e:
        print(type(e).__name__, e)
print(type(BaseExceptionGroup("x", [ValueError()])).__name__)
g()
