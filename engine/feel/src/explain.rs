//! Human explanations of evaluation results: short, bounded descriptions of values for
//! messages, "did you mean" suggestions for misspelt names, and [`Explained`], the result of
//! an evaluation together with notes on why parts of it evaluated to `null`.
//!
//! Messages never dump large values: a value is described by its type and at most
//! [`MAX_SHOWN_CHARS`] characters of its text, and expression text is cut the same way.

use std::fmt::{self, Write};

use crate::{EvalError, Value};

/// Longest value or expression text shown in a message (characters).
pub const MAX_SHOWN_CHARS: usize = 64;
/// Most notes kept per evaluation.
pub(crate) const MAX_NOTES: usize = 8;

/// An evaluation result with notes explaining where `null` came from.
///
/// FEEL turns type errors into `null` (the specification's semantics), so a condition that
/// should be `true` or `false` may silently become `null`. The notes say why: a variable that
/// is not defined (with a suggestion when a similar name exists), operands of incompatible
/// types (`cannot compare amount (string "12") with 100 (number)`), a function called with
/// arguments it does not accept, and so on. Notes name the sub-expression and the values.
#[derive(Debug, Clone, PartialEq)]
pub struct Explained {
    /// The value, or a hard error (a limit was exceeded, a JUEL coercion failed...).
    pub result: Result<Value, EvalError>,
    /// Why sub-expressions evaluated to null, in evaluation order, at most a few.
    pub notes: Vec<String>,
}

impl Explained {
    /// A message for a result that is not what the caller needed (`expected`, e.g.
    /// `"a boolean"`), naming the expression text, what it evaluated to, and the notes:
    /// `expression 'amount > 100' evaluated to null, expected a boolean: cannot compare
    /// amount (string "12") with 100 (number)`. For a hard error: `failed to evaluate
    /// expression '...': <error>`, followed by the notes.
    pub fn failure(&self, source: &str, expected: &str) -> String {
        let src = shorten(source.trim());
        let mut msg = match &self.result {
            Ok(v) => format!(
                "expression '{src}' evaluated to {}, expected {expected}",
                v.describe()
            ),
            Err(e) => format!("failed to evaluate expression '{src}': {e}"),
        };
        if !self.notes.is_empty() {
            msg.push_str(if self.result.is_ok() { ": " } else { "; " });
            msg.push_str(&self.notes.join("; "));
        }
        msg
    }

    /// The boolean result, or an error whose message is [`Explained::failure`] with
    /// `"a boolean"` (for sequence-flow conditions and the like).
    pub fn into_bool(self, source: &str) -> Result<bool, EvalError> {
        match self.result {
            Ok(Value::Bool(b)) => Ok(b),
            _ => Err(EvalError::new(self.failure(source, "a boolean"))),
        }
    }
}

/// Cuts `s` to [`MAX_SHOWN_CHARS`] characters, marking the cut with `...`.
pub(crate) fn shorten(s: &str) -> String {
    match s.char_indices().nth(MAX_SHOWN_CHARS) {
        Some((i, _)) => format!("{}...", s.get(..i).unwrap_or(s)),
        None => s.to_string(),
    }
}

/// A `fmt::Write` sink that stops (with `fmt::Error`) once it holds `limit` characters, so
/// rendering a large value costs at most that much.
struct Bounded {
    out: String,
    chars: usize,
    cut: bool,
}

impl Write for Bounded {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            if self.chars >= MAX_SHOWN_CHARS {
                self.cut = true;
                return Err(fmt::Error);
            }
            self.out.push(c);
            self.chars += 1;
        }
        Ok(())
    }
}

/// Renders `v` (strings quoted) in at most [`MAX_SHOWN_CHARS`] characters.
fn render(v: &Value) -> String {
    let mut b = Bounded {
        out: String::new(),
        chars: 0,
        cut: false,
    };
    let _ = match v {
        Value::String(s) => write!(b, "{:?}", s),
        other => write!(b, "{other}"),
    };
    if b.cut {
        b.out.push_str("...");
    }
    b.out
}

/// `1 item`, `3 items`, `2 entries`.
fn count(n: usize, noun: &str) -> String {
    match (n, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        _ => format!("{n} {noun}s"),
    }
}

/// See [`Value::describe`].
pub(crate) fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::List(items) => format!("list of {} {}", count(items.len(), "item"), render(v)),
        Value::Context(c) => format!("context of {} {}", count(c.len(), "entry"), render(v)),
        Value::Function(_) => render(v),
        other => format!("{} {}", other.type_name(), render(other)),
    }
}

/// Edit distance between `a` and `b` (case-insensitive; an adjacent transposition counts as
/// one edit), giving up above `max`.
fn distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let width = b.len() + 1;
    // Rows i-2, i-1 and i of the distance matrix.
    let mut rows: [Vec<usize>; 3] = [vec![0; width], (0..width).collect(), vec![0; width]];
    for i in 1..=a.len() {
        let [older, prev, cur] = &mut rows;
        cur.fill(0);
        if let Some(c) = cur.first_mut() {
            *c = i;
        }
        for j in 1..width {
            let at = |row: &Vec<usize>, k: usize| row.get(k).copied().unwrap_or(usize::MAX / 2);
            let ca = a.get(i - 1);
            let cb = b.get(j - 1);
            let mut d = (at(prev, j - 1) + usize::from(ca != cb))
                .min(at(prev, j) + 1)
                .min(at(cur, j - 1) + 1);
            if i > 1 && j > 1 && ca == b.get(j - 2) && a.get(i - 2) == cb && ca != cb {
                d = d.min(at(older, j - 2) + 1);
            }
            if let Some(slot) = cur.get_mut(j) {
                *slot = d;
            }
        }
        rows.rotate_left(1);
    }
    rows.get(1)
        .and_then(|r| r.last())
        .copied()
        .filter(|d| *d <= max)
}

/// The candidate closest to `name` (a different case, or up to two edits for names of five
/// characters or more, one edit for shorter ones), if any.
pub(crate) fn suggest<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let max = if name.chars().count() >= 5 { 2 } else { 1 };
    let mut best: Option<(usize, &str)> = None;
    for c in candidates.into_iter().take(10_000) {
        if c == name {
            continue;
        }
        if let Some(d) = distance(name, c, max)
            && best.is_none_or(|(bd, _)| d < bd)
        {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// ` (did you mean 'x'?)` or nothing.
pub(crate) fn did_you_mean<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> String {
    suggest(name, candidates)
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_described_briefly() {
        assert_eq!(describe(&Value::String("12".into())), "string \"12\"");
        assert_eq!(describe(&Value::int(100)), "number 100");
        assert_eq!(describe(&Value::Null), "null");
        let long = Value::String("x".repeat(1000));
        let d = describe(&long);
        assert!(d.len() < 90 && d.ends_with("..."), "{d}");
        let big = Value::List((0..100_000).map(Value::int).collect());
        let d = describe(&big);
        assert!(d.starts_with("list of 100000 items [0, 1, 2"), "{d}");
        assert!(d.len() < 110, "{d}");
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("amout", ["amount", "name"]), Some("amount"));
        assert_eq!(suggest("Amount", ["amount"]), Some("amount"));
        assert_eq!(suggest("x", ["amount"]), None);
        assert_eq!(suggest("nme", ["name", "nme"]), Some("name"));
        assert_eq!(suggest("nmae", ["age", "name"]), Some("name"));
        assert_eq!(suggest("ab", ["ba", "abc"]), Some("ba"));
        assert_eq!(did_you_mean("qqqq", ["amount"]), "");
    }

    #[test]
    fn failure_messages_name_the_expression() {
        let e = Explained {
            result: Ok(Value::Null),
            notes: vec!["no variable named 'amout' (did you mean 'amount'?)".into()],
        };
        assert_eq!(
            e.failure("amout > 1", "a boolean"),
            "expression 'amout > 1' evaluated to null, expected a boolean: no variable named \
             'amout' (did you mean 'amount'?)"
        );
        assert!(e.clone().into_bool("amout > 1").is_err());
        let ok = Explained {
            result: Ok(Value::Bool(true)),
            notes: vec![],
        };
        assert_eq!(ok.into_bool("x"), Ok(true));
    }
}
