//! Resource limits that keep hostile FEEL text from hanging the engine or exhausting memory.
//! Only constants live here; the parser and evaluator enforce them.

/// Deepest nesting the parser accepts (parentheses, lists, operators...).
pub const MAX_PARSE_DEPTH: usize = 200;
/// Deepest evaluation recursion (nested expressions, user function calls).
pub const MAX_EVAL_DEPTH: usize = 300;
/// Evaluation steps (nodes visited, loop iterations, list elements built) per evaluation.
pub const MAX_STEPS: u64 = 5_000_000;
/// Largest list or string a single operation may produce.
pub const MAX_COLLECTION_LEN: usize = 1_000_000;
