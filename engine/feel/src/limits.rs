//! Resource limits that keep hostile FEEL text from hanging the engine or exhausting memory.
//! Only constants live here; the parser and evaluator enforce them.

/// Stack kept free before recursing further (bytes).
const STACK_RED_ZONE: usize = 128 * 1024;
/// Size of each extra stack segment allocated when the red zone is reached (bytes).
const STACK_SEGMENT: usize = 2 * 1024 * 1024;

/// Runs `f`, first moving to a fresh heap-allocated stack segment when less than
/// `STACK_RED_ZONE` of the current stack is left. With the depth limits below this makes the
/// parser and evaluator safe on any caller thread (tokio workers, 2 MiB test threads).
pub(crate) fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, f)
}

/// Deepest nesting the parser accepts (parentheses, lists, operators...).
pub const MAX_PARSE_DEPTH: usize = 200;
/// Deepest evaluation recursion (nested expressions, user function calls).
pub const MAX_EVAL_DEPTH: usize = 160;
/// Evaluation steps (nodes visited, loop iterations, elements copied or built, see
/// `BYTES_PER_STEP`) per evaluation.
pub const MAX_STEPS: u64 = 2_000_000;
/// Largest list or string a single operation may produce.
pub const MAX_COLLECTION_LEN: usize = 1_000_000;

/// Value volume charged as one step: a list element, a context entry, or this many bytes of
/// string. Copying values around is charged so loops over large variables stay bounded.
pub const BYTES_PER_STEP: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(n: usize) -> usize {
        if n == 0 {
            0
        } else {
            with_stack(|| depth(n - 1) + 1)
        }
    }

    #[test]
    fn with_stack_allows_deep_recursion_on_small_threads() {
        let t = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| depth(50_000))
            .unwrap();
        assert_eq!(t.join().unwrap(), 50_000);
    }
}
