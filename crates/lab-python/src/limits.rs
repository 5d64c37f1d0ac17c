//! Limits that turn an absurd request into a Python exception rather than a failed
//! allocation, which aborts the host (natively the process, in the browser the whole
//! WebAssembly instance). The recursion limit is [`crate::vm::RECURSION_LIMIT`]; list and
//! tuple sizes are capped in the protocols, int sizes in [`crate::objects::int`].

use crate::vm::{PyResult, err};

/// The longest string one operation may build, in bytes (64 MiB): padding, format widths
/// and precisions, `replace`.
pub const MAX_STR_LEN: usize = 1 << 26;

/// MemoryError (as CPython raises when an allocation fails) if a string of `len` bytes
/// would be too long.
///
/// # Errors
/// MemoryError beyond [`MAX_STR_LEN`].
pub fn check_str_len(len: usize) -> PyResult<()> {
    if len > MAX_STR_LEN {
        return Err(err("MemoryError", ""));
    }
    Ok(())
}
