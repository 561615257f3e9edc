//! Canonical JSON (audit encoding v1): object keys sorted by Unicode code point, no whitespace,
//! strings escaped as JSON requires (`"`, `\`, and control characters; `\b \f \n \r \t` short
//! forms, others `\u00XX`; everything else as raw UTF-8), integers only.
//!
//! It is what Python's `json.dumps(obj, sort_keys=True, separators=(",", ":"),
//! ensure_ascii=False)` prints for the same object, so anyone can recompute a hash. Numbers
//! that are not integers are never written here: `record::audit_value` turns them into strings
//! before a record is built.

use serde_json::Value as Json;

/// Writes `value` canonically.
pub fn to_string(value: &Json) -> String {
    let mut out = String::with_capacity(256);
    write(value, &mut out);
    out
}

/// Appends the canonical form of `value` to `out`.
pub fn write(value: &Json, out: &mut String) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(true) => out.push_str("true"),
        Json::Bool(false) => out.push_str("false"),
        Json::Number(n) => out.push_str(&n.to_string()),
        Json::String(s) => write_string(s, out),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Json::Object(map) => {
            // serde_json's map is a BTreeMap<String, _>: it iterates in byte order, which for
            // UTF-8 is code-point order, so no sorting is needed (a test guards this).
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write(v, out);
            }
            out.push('}');
        }
    }
}

/// Appends `s` as a canonical JSON string.
pub fn write_string(s: &str, out: &mut String) {
    out.push('"');
    if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_keys_recursively_without_whitespace() {
        let v = json!({"b": 1, "a": {"d": [true, null], "c": "x"}});
        assert_eq!(to_string(&v), r#"{"a":{"c":"x","d":[true,null]},"b":1}"#);
    }

    #[test]
    fn escapes_like_python_json_dumps() {
        let v = json!("q\"b\\n\n\u{1}é€😀\u{7f}");
        assert_eq!(to_string(&v), "\"q\\\"b\\\\n\\n\\u0001é€😀\u{7f}\"");
    }

    #[test]
    fn sorts_by_code_point() {
        let v = json!({"é": 1, "z": 2, "Z": 3, "😀": 4, "ｆ": 5});
        assert_eq!(to_string(&v), r#"{"Z":3,"z":2,"é":1,"ｆ":5,"😀":4}"#);
    }
}
