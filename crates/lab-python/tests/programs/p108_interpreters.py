# concurrent.interpreters (Python 3.14): each interpreter has its own modules and its own
# GIL; calls run there and block the caller; arguments and results are copied.
from concurrent import interpreters

counter = 0


def bump(n):
    global counter
    counter += n
    return counter


def where():
    return interpreters.get_current().id


def fail(msg):
    raise ValueError(msg)


def collect(items):
    items.append("added inside")
    return items


if __name__ == "__main__":
    main = interpreters.get_current()
    print(main, main.id, interpreters.get_main().id)
    interp = interpreters.create()
    print(interp, interp.id == 1, interp.is_running())
    print([i.id for i in interpreters.list_all()])
    print(interp.call(bump, 5), counter)
    print(interp.call(where))
    items = ["original"]
    print(interp.call(collect, items), items)
    # Output of code run inside goes through a queue: the interpreter's own stdout is
    # buffered apart from this one.
    out = interpreters.create_queue()
    interp.prepare_main(out=out)
    interp.exec("x = 6 * 7")
    interp.exec("out.put(('x is', x))")
    print(*out.get())
    try:
        interp.exec("raise KeyError('missing')")
    except interpreters.ExecutionFailed as e:
        print(type(e).__name__, e.excinfo.type.__name__, str(e).splitlines()[0])
    try:
        interp.call(fail, "bad input")
    except interpreters.ExecutionFailed as e:
        print(str(e).splitlines()[0])
    interp.prepare_main(greeting="hello", numbers=[1, 2, 3])
    interp.exec("out.put((greeting, sum(numbers)))")
    print(*out.get())
    interp.close()
    print([i.id for i in interpreters.list_all()])
    try:
        interp.call(where)
    except interpreters.InterpreterError as e:
        print(type(e).__name__)
