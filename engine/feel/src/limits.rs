//! Resource limits that keep hostile FEEL and JUEL text from overflowing the stack, hanging the
//! engine or exhausting memory. Only constants and a value-depth probe live here; the parsers
//! and the evaluators enforce them.
//!
//! Stack safety without platform code: the parsers and evaluators are recursive, so every
//! recursion is bounded by a depth counter, never by growing the stack. The bounds are chosen
//! so that parsing and evaluating the deepest accepted input fits in a 2 MiB thread stack (the
//! size of Rust's spawned threads and tokio workers) in debug builds, with room to spare:
//!
//! - the parsers refuse text nested deeper than [`MAX_PARSE_DEPTH`]; a parsed syntax tree is
//!   therefore at most about that deep, so printing, comparing and dropping it is bounded too;
//! - the evaluator refuses to nest deeper than [`MAX_EVAL_DEPTH`] (sub-expressions and the
//!   bodies of called functions) and user-defined function calls deeper than
//!   [`MAX_CALL_DEPTH`];
//! - values built at run time (`for` loops using `partial`, `context put` with a key path) are
//!   kept within [`MAX_VALUE_DEPTH`] levels of lists and contexts.

use crate::value::{Function, Value};

/// Deepest nesting the parsers accept. Each level is a parenthesis, list, context, range,
/// function call, filter, path step, unary operator, `if`/`for`/`some`/`every`/`function`
/// body or type parameter, plus one level per operator in a chain such as `a + b + c` (the
/// tree of a chain grows one level per operator).
pub const MAX_PARSE_DEPTH: usize = 128;
/// Deepest evaluation recursion: nested sub-expressions, including the bodies of called
/// user-defined functions.
pub const MAX_EVAL_DEPTH: usize = 384;
/// Deepest nesting of calls of user-defined (FEEL) functions, e.g. a recursive function.
pub const MAX_CALL_DEPTH: usize = 64;
/// Deepest nesting of lists and contexts (and closures capturing them) that evaluation builds
/// beyond what the expression text spells out.
pub const MAX_VALUE_DEPTH: usize = 256;
/// Evaluation steps (nodes visited, loop iterations, elements copied or built, see
/// `BYTES_PER_STEP`) per evaluation.
pub const MAX_STEPS: u64 = 2_000_000;
/// Largest list or string a single operation may produce.
pub const MAX_COLLECTION_LEN: usize = 1_000_000;

/// Value volume charged as one step: a list element, a context entry, or this many bytes of
/// string. Copying values around is charged so loops over large variables stay bounded.
pub const BYTES_PER_STEP: usize = 16;

/// Whether `v` nests lists, contexts, range bounds and captured closure scopes deeper than
/// `limit` levels. Recursion is bounded by `limit`; `visited` counts the containers and
/// elements looked at, so callers can charge the walk to the step budget.
pub(crate) fn nested_deeper_than(v: &Value, limit: usize, visited: &mut u64) -> bool {
    *visited = visited.saturating_add(1);
    let children: Box<dyn Iterator<Item = &Value> + '_> = match v {
        Value::List(items) => Box::new(items.iter()),
        Value::Context(c) => Box::new(c.iter().map(|(_, v)| v)),
        Value::Range(r) => Box::new(r.start.iter().chain(r.end.iter()).map(|b| b.value.as_ref())),
        Value::Function(Function::User(c)) => Box::new(c.captured.iter().map(|(_, v)| v)),
        _ => return false,
    };
    let mut children = children.peekable();
    if children.peek().is_none() {
        return false;
    }
    if limit == 0 {
        return true;
    }
    children.any(|c| nested_deeper_than(c, limit - 1, visited))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nest(n: usize) -> Value {
        let mut v = Value::int(1);
        for _ in 0..n {
            v = Value::List(vec![v]);
        }
        v
    }

    #[test]
    fn value_depth_probe() {
        let mut visited = 0;
        assert!(!nested_deeper_than(&nest(3), 3, &mut visited));
        assert!(nested_deeper_than(&nest(4), 3, &mut visited));
        assert!(!nested_deeper_than(&Value::List(vec![]), 0, &mut visited));
        assert!(visited > 0);
    }
}
