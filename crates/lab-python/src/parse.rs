//! Parsing with Ruff's parser, and syntax errors shown as CPython shows them.

use crate::bytecode::Code;
use std::sync::Arc;

/// Why a source could not be compiled.
#[derive(Debug)]
pub enum SourceError {
    /// A syntax error: message, line, the line's text.
    Syntax {
        /// The parser's message.
        msg: String,
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
        /// The text of the line.
        text: String,
    },
    /// Valid Python outside the lab's subset.
    Unsupported(crate::compile::CompileError, String),
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceError::Syntax { msg, line, .. } => write!(f, "SyntaxError: {msg} (line {line})"),
            SourceError::Unsupported(e, _) => write!(f, "{e}"),
        }
    }
}

impl SourceError {
    /// The report CPython would print (file and line, the line, a caret, the message).
    pub fn report(&self, filename: &str) -> String {
        match self {
            SourceError::Syntax {
                msg,
                line,
                column,
                text,
            } => {
                let trimmed = text.trim_start();
                let indent = text.len() - trimmed.len();
                let caret = (*column as usize).saturating_sub(1).saturating_sub(indent);
                // CPython reports indentation problems as IndentationError.
                let kind = if msg.to_lowercase().contains("indent") {
                    "IndentationError"
                } else {
                    "SyntaxError"
                };
                format!(
                    "  File \"{filename}\", line {line}\n    {}\n    {}^\n{kind}: {msg}\n",
                    trimmed.trim_end(),
                    " ".repeat(caret)
                )
            }
            SourceError::Unsupported(e, text) => format!(
                "  File \"{filename}\", line {}\n    {}\n{}: {e}\n",
                e.line,
                text.trim(),
                if e.syntax {
                    "SyntaxError"
                } else {
                    "NotImplementedError"
                }
            ),
        }
    }
}

fn line_col(source: &str, offset: usize) -> (u32, u32, String) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() as u32 + 1;
    let start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = source[start..offset.min(source.len())].chars().count() as u32 + 1;
    let text = source[start..].lines().next().unwrap_or("").to_string();
    (line, col, text)
}

/// Parse and compile a module.
///
/// # Errors
/// A syntax error or an unsupported construct.
pub fn compile_source(source: &str, filename: &str) -> Result<Arc<Code>, SourceError> {
    let parsed = ruff_python_parser::parse_module(source).map_err(|e| {
        let (line, column, text) = line_col(source, e.location.start().to_usize());
        SourceError::Syntax {
            msg: e.error.to_string(),
            line,
            column,
            text,
        }
    })?;
    let module = parsed.into_syntax();
    crate::compile::compile_module(&module.body, source, filename).map_err(|e| {
        let text = source
            .lines()
            .nth(e.line.saturating_sub(1) as usize)
            .unwrap_or("")
            .to_string();
        SourceError::Unsupported(e, text)
    })
}
