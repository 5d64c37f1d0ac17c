//! The lab's Python compiler for the browser: `compilePython(source, filename)` returns
//! `{code}` (the bytes the runtime builds' `runPython`/`startPython` run) or `{error}`
//! (the report CPython prints for a syntax error). Built single-threaded into
//! `www/pkg-pyc` by `scripts/build`; the book's pages fetch it only for an edited listing,
//! since the build compiled every listing as written.

use wasm_bindgen::prelude::*;

/// Compiles a module: `{code: Uint8Array}`, or `{error: string}` with the report CPython
/// would print (file and line, the line, a caret, the message).
///
/// # Errors
/// Only if the result object cannot be built.
#[wasm_bindgen(js_name = compilePython)]
pub fn compile_python(source: &str, filename: &str) -> Result<JsValue, JsError> {
    let result = js_sys::Object::new();
    let (key, value): (&str, JsValue) = match lab_python::compile_to_bytes(source, filename) {
        Ok(bytes) => ("code", js_sys::Uint8Array::from(bytes.as_slice()).into()),
        Err(e) => ("error", e.report(filename).into()),
    };
    js_sys::Reflect::set(&result, &key.into(), &value)
        .map_err(|_| JsError::new("cannot build the result"))?;
    Ok(result.into())
}
