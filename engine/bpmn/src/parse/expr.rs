//! Model text → [`Text`] / [`Expression`]: which values are FEEL, which are static, which
//! dialects are refused, and how FEEL syntax errors are reported.
//!
//! Owns the dialect rules: a zeebe value starting with `=` is FEEL; a `conditionExpression`
//! without a language (or with a FEEL language) is FEEL; text holding Camunda 7 `${...}` /
//! `#{...}` is parsed as JUEL ([`keel_feel::juel`]); other languages are refused with a message
//! saying to use FEEL. It only parses, never
//! evaluates, and it is only called for values that are expressions by definition (never for
//! `name`, documentation or other plain attributes).

use crate::expression::{Expression, Text};

/// The error for a Camunda 7 expression where only a fixed value is possible (error codes,
/// form keys).
pub(crate) const CAMUNDA7_EXPR: &str =
    "camunda 7 expressions (${...}) are not supported in this attribute; use a fixed value";

/// True when `text` contains a Camunda 7 / JUEL expression.
pub(crate) fn is_camunda7(text: &str) -> bool {
    text.contains("${") || text.contains("#{")
}

/// Parses FEEL `src` (without the leading `=`); `what` names where it comes from.
pub(crate) fn feel(src: &str, what: &str) -> Result<Expression, String> {
    let src = src.trim();
    if src.is_empty() {
        return Err(format!("{what} is an empty expression"));
    }
    Expression::feel(src).map_err(|e| {
        format!(
            "invalid FEEL expression \"{src}\" in {what}: {} (at line {}, column {} of the expression)",
            e.message, e.line, e.column
        )
    })
}

/// Parses Camunda 7 text (the full value, `${...}`, `#{...}` or composite text with embedded
/// expressions); `what` names where it comes from.
pub(crate) fn juel(src: &str, what: &str) -> Result<Expression, String> {
    Expression::juel(src).map_err(|e| {
        format!(
            "invalid camunda 7 expression \"{src}\" in {what}: {} (at line {}, column {} of the expression)",
            e.message, e.line, e.column
        )
    })
}

/// A zeebe attribute value: `=...` is FEEL, anything else is used as written.
pub(crate) fn zeebe_text(value: &str, what: &str) -> Result<Text, String> {
    if let Some(src) = value.strip_prefix('=') {
        return feel(src, what).map(Text::Expr);
    }
    if is_camunda7(value) {
        return juel(value, what).map(Text::Expr);
    }
    Ok(Text::Static(value.to_owned()))
}

/// A Camunda 7 attribute value: static unless it holds `${...}` / `#{...}` (then JUEL).
pub(crate) fn camunda_text(value: &str, what: &str) -> Result<Text, String> {
    if is_camunda7(value) {
        return juel(value, what).map(Text::Expr);
    }
    Ok(Text::Static(value.to_owned()))
}

/// A value that is always an expression (zeebe `source`, `correlationKey`): `=...` is FEEL;
/// a static value becomes a FEEL literal (a number when it reads as one, else a string).
pub(crate) fn zeebe_expression(value: &str, what: &str) -> Result<Expression, String> {
    if let Some(src) = value.strip_prefix('=') {
        return feel(src, what);
    }
    if is_camunda7(value) {
        return juel(value, what);
    }
    literal(value, what)
}

/// A FEEL literal for a static value: a number when it reads as one, else a string.
pub(crate) fn literal(value: &str, what: &str) -> Result<Expression, String> {
    let t = value.trim();
    if is_number(t) {
        return feel(t, what);
    }
    feel(&string_literal(value), what)
}

/// A FEEL string literal holding exactly `value`.
pub(crate) fn string_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_number(t: &str) -> bool {
    let digits = t.strip_prefix('-').unwrap_or(t);
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

/// True for an empty language, `feel` in any case, and FEEL URIs
/// (`http://www.omg.org/spec/FEEL/20140401`, `https://www.omg.org/spec/DMN/20191111/FEEL/`...).
pub(crate) fn is_feel_language(language: &str) -> bool {
    let l = language.trim().to_ascii_lowercase();
    l.is_empty() || l == "feel" || l.contains("/feel")
}

/// The body of a `conditionExpression` (or another formal expression) with its `language`.
pub(crate) fn condition(
    body: &str,
    language: Option<&str>,
    what: &str,
) -> Result<Expression, String> {
    let body = body.trim();
    let is_juel = language.is_some_and(|l| l.trim().eq_ignore_ascii_case("juel"));
    if is_juel || (is_camunda7(body) && !body.starts_with('=')) {
        return juel(body, what);
    }
    let is_feel = language.map(str::trim).is_none_or(is_feel_language);
    if !is_feel {
        let lang = language.unwrap_or_default();
        return Err(format!(
            "{what} is written in \"{lang}\", which is not supported; use FEEL (=...)"
        ));
    }
    let src = body.strip_prefix('=').unwrap_or(body);
    feel(src, what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_literals_escape_quotes_and_backslashes() {
        assert_eq!(string_literal(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn numbers_are_recognised() {
        assert!(is_number("12"));
        assert!(is_number("-1.5"));
        assert!(!is_number("1."));
        assert!(!is_number("1e3"));
        assert!(!is_number("abc"));
        assert!(!is_number(""));
    }

    #[test]
    fn feel_languages() {
        for l in [
            "",
            "feel",
            "FEEL",
            "http://www.omg.org/spec/FEEL/20140401",
            "https://www.omg.org/spec/DMN/20191111/FEEL/",
        ] {
            assert!(is_feel_language(l), "{l}");
        }
        for l in [
            "javascript",
            "http://www.w3.org/1999/XPath",
            "groovy",
            "feelings",
        ] {
            assert!(!is_feel_language(l), "{l}");
        }
    }

    #[test]
    fn camunda7_is_detected() {
        assert!(is_camunda7("${a}"));
        assert!(is_camunda7("x #{a}"));
        assert!(!is_camunda7("$a {b}"));
    }
}
