//! Error types of the crate: parse errors (with a position) and hard evaluation errors.
//! Never builds messages with a template engine: only `format!` over escaped values.

use thiserror::Error;

/// A syntax error in FEEL text. Positions are 1-based and count characters inside the
/// expression text (not the surrounding model file).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    /// Byte offset of the error in the source text (0-based).
    pub offset: usize,
    /// 1-based line of the error.
    pub line: u32,
    /// 1-based column (in characters) of the error.
    pub column: u32,
    /// What went wrong, naming the offending text.
    pub message: String,
}

impl ParseError {
    /// Builds an error at byte `offset` of `src`, computing line and column.
    pub fn at(src: &str, offset: usize, message: impl Into<String>) -> ParseError {
        let offset = offset.min(src.len());
        let mut line = 1u32;
        let mut column = 1u32;
        for (i, c) in src.char_indices() {
            if i >= offset {
                break;
            }
            if c == '\n' {
                line = line.saturating_add(1);
                column = 1;
            } else {
                column = column.saturating_add(1);
            }
        }
        ParseError {
            offset,
            line,
            column,
            message: message.into(),
        }
    }
}

/// A hard evaluation error: a limit was exceeded or the expression can not be evaluated at all.
/// Ordinary FEEL type mismatches do not produce this; they evaluate to `null`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct EvalError {
    /// What went wrong, naming the expression part and the values involved.
    pub message: String,
}

impl EvalError {
    /// Builds an error from a message.
    pub fn new(message: impl Into<String>) -> EvalError {
        EvalError {
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_is_one_based() {
        let e = ParseError::at("a +\n  )", 6, "unexpected ')'");
        assert_eq!(e.line, 2);
        assert_eq!(e.column, 3);
        assert_eq!(e.to_string(), "line 2, column 3: unexpected ')'");
    }
}
