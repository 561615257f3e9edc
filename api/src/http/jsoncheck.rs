//! A validating pass over raw JSON request bodies, run before deserialising them.
//!
//! `serde_json` silently keeps the last of duplicate object keys and only stops deep nesting at
//! its own recursion limit; both are ambiguities an audited engine must refuse. This scanner
//! walks the bytes once, tracking nesting and the keys of every open object. It does not check
//! the rest of the syntax: on anything malformed it stops and leaves the error to `serde_json`.

use std::collections::HashSet;

/// Deepest nesting of arrays and objects accepted in a request body.
pub const MAX_DEPTH: usize = 64;

/// Why a body was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonProblem {
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
    /// An object holds the same key twice.
    DuplicateKey(String),
}

impl std::fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsonProblem::TooDeep => {
                write!(f, "JSON nesting is deeper than {MAX_DEPTH} levels")
            }
            JsonProblem::DuplicateKey(key) => write!(f, "duplicate JSON object key '{key}'"),
        }
    }
}

enum Frame {
    Array,
    Object {
        keys: HashSet<String>,
        expecting_key: bool,
    },
}

/// Checks nesting depth and duplicate keys; malformed input passes (serde reports it).
pub fn check(bytes: &[u8]) -> Result<(), JsonProblem> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => {
                if stack.len() >= MAX_DEPTH {
                    return Err(JsonProblem::TooDeep);
                }
                stack.push(if bytes[i] == b'{' {
                    Frame::Object {
                        keys: HashSet::new(),
                        expecting_key: true,
                    }
                } else {
                    Frame::Array
                });
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                i += 1;
            }
            b',' => {
                if let Some(Frame::Object { expecting_key, .. }) = stack.last_mut() {
                    *expecting_key = true;
                }
                i += 1;
            }
            b'"' => {
                let Some(end) = string_end(bytes, i) else {
                    return Ok(());
                };
                if let Some(Frame::Object {
                    keys,
                    expecting_key,
                }) = stack.last_mut()
                    && *expecting_key
                {
                    *expecting_key = false;
                    // Decode escapes so that "a" and "\u0061" are the same key.
                    let Ok(key) = serde_json::from_slice::<String>(&bytes[i..end]) else {
                        return Ok(());
                    };
                    if !keys.insert(key.clone()) {
                        return Err(JsonProblem::DuplicateKey(key));
                    }
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// Index just past the closing quote of the string opening at `start`.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_documents() {
        assert_eq!(
            check(br#"{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}"#),
            Ok(())
        );
        assert_eq!(check(br#"{"k\"ey":"{[","x":"\\"}"#), Ok(()));
        assert_eq!(check(b""), Ok(()));
    }

    #[test]
    fn refuses_duplicates_even_when_escaped() {
        assert_eq!(
            check(br#"{"a":1,"a":2}"#),
            Err(JsonProblem::DuplicateKey("a".into()))
        );
        assert_eq!(
            check(br#"{"v":{"a":1,"\u0061":2}}"#),
            Err(JsonProblem::DuplicateKey("a".into()))
        );
        // A value equal to a key is not a key.
        assert_eq!(check(br#"{"a":"a","b":"a"}"#), Ok(()));
    }

    #[test]
    fn limits_depth() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(check(ok.as_bytes()), Ok(()));
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(check(deep.as_bytes()), Err(JsonProblem::TooDeep));
    }
}
