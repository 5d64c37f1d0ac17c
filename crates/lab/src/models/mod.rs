//! The execution models that need more than the plain task runner: each in its own file,
//! above [`crate::task`] and below the dispatcher ([`crate::run`]). Sequential and free
//! threads are the task runner itself with no lock.

pub mod asyncio;
pub mod gil;
pub mod interpreters;
pub mod processes;
