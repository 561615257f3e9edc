//! String built-ins: `substring`, `string length`, `upper case`, `lower case`, `substring
//! before/after`, `replace`, `contains`, `starts with`, `ends with`, `matches`, `split`,
//! `string join`. Positions count Unicode code points, 1-based. Regular expressions use the
//! linear-time `regex` crate with a size limit, so no pattern can backtrack catastrophically.

use regex::{Regex, RegexBuilder};

use super::arg;
use crate::EvalError;
use crate::limits::MAX_COLLECTION_LEN;
use crate::value::Value;

fn s(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// Compiles an XPath regular expression with XPath flags (`i`, `s`, `m`, `x`, `q`); `None`
/// for an invalid pattern or flag.
fn regex(pattern: &str, flags: &Value) -> Option<Regex> {
    let flags = match flags {
        Value::Null => "",
        Value::String(f) => f.as_str(),
        _ => return None,
    };
    if flags
        .chars()
        .any(|c| !matches!(c, 'i' | 's' | 'm' | 'x' | 'q'))
    {
        return None;
    }
    let translated;
    let pattern = if flags.contains('q') {
        translated = regex::escape(pattern);
        translated.as_str()
    } else {
        translated =
            super::xsd_regex::translate(pattern, flags.contains('s'), flags.contains('x'))?;
        translated.as_str()
    };
    RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .dfa_size_limit(1 << 20)
        .nest_limit(100)
        .case_insensitive(flags.contains('i'))
        .dot_matches_new_line(flags.contains('s'))
        .multi_line(flags.contains('m'))
        .build()
        .ok()
}

/// Converts an XPath replacement (`$1`, `\$`) to the regex crate's syntax (`${1}`, `$$`).
fn replacement(r: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = r.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('$') => out.push_str("$$"),
                Some('\\') => out.push('\\'),
                _ => return None,
            },
            '$' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if digits.is_empty() {
                    return None;
                }
                out.push_str(&format!("${{{digits}}}"));
            }
            c => out.push(c),
        }
    }
    Some(out)
}

fn substring(a: &[Value]) -> Option<Value> {
    let st = s(arg(a, 0))?;
    let Value::Number(start) = arg(a, 1) else {
        return None;
    };
    let chars: Vec<char> = st.chars().collect();
    let len = chars.len() as i64;
    let start = start.trunc_i64()?;
    let from = if start > 0 {
        start - 1
    } else if start < 0 {
        len + start
    } else {
        return None;
    };
    if from < 0 || from > len {
        return if from < 0 && a.len() < 3 {
            Some(Value::String(st.to_string()))
        } else {
            None
        };
    }
    let take = match arg(a, 2) {
        Value::Null if a.len() < 3 => len - from,
        Value::Number(n) => n.trunc_i64()?.max(0),
        _ => return None,
    };
    let end = from.saturating_add(take).min(len);
    Some(Value::String(
        chars.get(from as usize..end as usize)?.iter().collect(),
    ))
}

fn check(v: Value) -> Result<Value, EvalError> {
    if let Value::String(s) = &v
        && s.len() > MAX_COLLECTION_LEN
    {
        return Err(EvalError::new(format!(
            "string result of {} bytes exceeds the limit of {MAX_COLLECTION_LEN}",
            s.len()
        )));
    }
    Ok(v)
}

/// Dispatches string built-ins; `None` when `name` is not one of them.
pub fn call(name: &str, a: &[Value]) -> Option<Result<Value, EvalError>> {
    let v = match name {
        "substring" => substring(a),
        "string length" => s(arg(a, 0)).map(|x| Value::int(x.chars().count() as i64)),
        "upper case" => s(arg(a, 0)).map(|x| Value::String(x.to_uppercase())),
        "lower case" => s(arg(a, 0)).map(|x| Value::String(x.to_lowercase())),
        "substring before" | "substring after" | "contains" | "starts with" | "ends with" => {
            match (s(arg(a, 0)), s(arg(a, 1))) {
                (Some(x), Some(m)) => Some(match name {
                    "substring before" => {
                        Value::String(x.find(m).map_or("", |i| &x[..i]).to_string())
                    }
                    "substring after" => {
                        Value::String(x.find(m).map_or("", |i| &x[i + m.len()..]).to_string())
                    }
                    "contains" => Value::Bool(x.contains(m)),
                    "starts with" => Value::Bool(x.starts_with(m)),
                    _ => Value::Bool(x.ends_with(m)),
                }),
                _ => None,
            }
        }
        "matches" => match (s(arg(a, 0)), s(arg(a, 1))) {
            (Some(x), Some(p)) => regex(p, arg(a, 2)).map(|r| Value::Bool(r.is_match(x))),
            _ => None,
        },
        "replace" => match (s(arg(a, 0)), s(arg(a, 1)), s(arg(a, 2))) {
            (Some(x), Some(p), Some(r)) => regex(p, arg(a, 3)).and_then(|re| {
                if re.is_match("") {
                    return None;
                }
                let rep = replacement(r)?;
                Some(Value::String(re.replace_all(x, rep.as_str()).into_owned()))
            }),
            _ => None,
        },
        "split" => match (s(arg(a, 0)), s(arg(a, 1))) {
            (Some(x), Some(p)) => regex(p, &Value::Null)
                .filter(|re| !re.is_match(""))
                .map(|re| {
                    Value::List(
                        re.split(x)
                            .map(|part| Value::String(part.to_string()))
                            .collect(),
                    )
                }),
            _ => None,
        },
        "string join" => {
            let Value::List(items) = arg(a, 0) else {
                return Some(Ok(Value::Null));
            };
            let delim = match arg(a, 1) {
                Value::Null => "",
                Value::String(d) => d.as_str(),
                _ => return Some(Ok(Value::Null)),
            };
            let mut parts = Vec::new();
            for i in items {
                match i {
                    Value::Null => {}
                    Value::String(p) => parts.push(p.as_str()),
                    _ => return Some(Ok(Value::Null)),
                }
            }
            Some(Value::String(parts.join(delim)))
        }
        _ => return None,
    };
    Some(check(v.unwrap_or(Value::Null)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(x: &str) -> Value {
        Value::String(x.into())
    }

    #[test]
    fn substring_positions() {
        assert_eq!(substring(&[st("foobar"), Value::int(3)]), Some(st("obar")));
        assert_eq!(
            substring(&[st("foobar"), Value::int(-2), Value::int(1)]),
            Some(st("a"))
        );
        assert_eq!(
            substring(&[st("foobar"), Value::int(3), Value::int(3)]),
            Some(st("oba"))
        );
    }

    #[test]
    fn regex_functions() {
        let r = call("replace", &[st("abcd"), st("(ab)|(a)"), st("[1=$1][2=$2]")])
            .unwrap()
            .unwrap();
        assert_eq!(r, st("[1=ab][2=]cd"));
        let m = call("matches", &[st("foobar"), st("^FOO"), st("i")])
            .unwrap()
            .unwrap();
        assert_eq!(m, Value::Bool(true));
        let bad = call("matches", &[st("x"), st("(")]).unwrap().unwrap();
        assert_eq!(bad, Value::Null);
        let redos = call("matches", &[st(&"a".repeat(5000)), st("(a+)+$")])
            .unwrap()
            .unwrap();
        assert_eq!(redos, Value::Bool(true));
    }
}
