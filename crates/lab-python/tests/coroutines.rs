//! Coroutines and asyncio outside the differential corpus: the constructs the lab's Python
//! rejects (named with their line) and CPython's syntax errors around `async`.

use std::process::{Command, Output};

fn run_source(name: &str, src: &str) -> Output {
    let dir = std::env::temp_dir().join(format!("labpy-coro-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, src).expect("write program");
    Command::new(env!("CARGO_BIN_EXE_labpy"))
        .arg(&path)
        .output()
        .expect("run labpy")
}

fn last_stderr_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()
        .unwrap_or("")
        .to_string()
}

#[test]
fn return_with_a_value_in_an_async_generator_is_a_syntax_error() {
    let out = run_source(
        "agen.py",
        "x = 1\nasync def ticks():\n    yield 1\n    return 2\n",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains(", line 4\n"), "{err}");
    assert_eq!(
        last_stderr_line(&out),
        "SyntaxError: 'return' with value in async generator"
    );
}

#[test]
fn await_in_a_generator_expression_is_named_as_unsupported() {
    let out = run_source(
        "agenexp.py",
        "async def f(xs):\n    return (await x for x in xs)\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        last_stderr_line(&out),
        "NotImplementedError: the lab's Python does not support asynchronous generator \
         expressions (line 2)"
    );
}

#[test]
fn async_for_in_a_comprehension_outside_async_def_is_a_syntax_error() {
    let out = run_source(
        "aforcomp.py",
        "def f(xs):\n    return [x async for x in xs]\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        last_stderr_line(&out),
        "SyntaxError: asynchronous comprehension outside of an asynchronous function"
    );
}

#[test]
fn await_outside_async_def_is_a_syntax_error() {
    let out = run_source("await.py", "def f(x):\n    return await x\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains(", line 2\n"), "{err}");
    assert_eq!(
        last_stderr_line(&out),
        "SyntaxError: 'await' outside async function"
    );
}

#[test]
fn async_with_outside_async_def_is_a_syntax_error() {
    let out = run_source("awith.py", "def f(m):\n    async with m:\n        pass\n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        last_stderr_line(&out),
        "SyntaxError: 'async with' outside async function"
    );
}

#[test]
fn return_in_an_except_star_clause_is_a_syntax_error() {
    let out = run_source(
        "estar.py",
        "def f():\n    try:\n        pass\n    except* ValueError:\n        return 1\n",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains(", line 5\n"), "{err}");
    assert_eq!(
        last_stderr_line(&out),
        "SyntaxError: 'break', 'continue' and 'return' cannot appear in an except* block"
    );
}

#[test]
fn a_task_sees_the_same_loop_and_its_own_name() {
    let out = run_source(
        "loop.py",
        "import asyncio\n\
         async def child(loop):\n    return asyncio.get_running_loop() is loop, asyncio.current_task().get_name()\n\
         async def main():\n    loop = asyncio.get_running_loop()\n    return await asyncio.create_task(child(loop), name='kid')\n\
         print(asyncio.run(main()))\n",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "(True, 'kid')\n");
}
