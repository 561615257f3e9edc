//! Tokens of a JUEL expression body (the text between `${` and `}`).
//!
//! Owns the token grammar of JUEL 2.2 (literals, identifiers, keyword operators, punctuation).
//! The lexer stops at the first `}` outside a string literal, which ends the expression.

use crate::ParseError;

/// One token kind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// An integer literal, as written.
    Int(String),
    /// A floating-point literal, as written.
    Dec(String),
    /// A string literal, escapes resolved.
    Str(String),
    /// An identifier or a keyword (`and`, `empty`, `true`...).
    Ident(String),
    /// Punctuation or a symbolic operator.
    Punct(&'static str),
    /// The `}` closing the expression.
    End,
}

/// A token and its byte offset in the full source.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    pub(crate) offset: usize,
}

const PUNCTS: [&str; 22] = [
    "==", "!=", "<=", ">=", "&&", "||", "+", "-", "*", "/", "%", "<", ">", "!", "?", ":", ".", "[",
    "]", "(", ")", ",",
];

/// Lexes from byte `start` of `src` up to and including the closing `}`. Returns the tokens
/// and the offset just after the `}`.
pub(crate) fn lex(src: &str, start: usize) -> Result<(Vec<Token>, usize), ParseError> {
    let mut out = Vec::new();
    let mut i = start;
    let bytes = src.as_bytes();
    while let Some(c) = src.get(i..).and_then(|r| r.chars().next()) {
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        if c == '}' {
            out.push(Token {
                tok: Tok::End,
                offset: i,
            });
            return Ok((out, i + 1));
        }
        if c.is_ascii_digit() || (c == '.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let (tok, next) = number(src, i);
            out.push(Token { tok, offset: i });
            i = next;
            continue;
        }
        if c == '\'' || c == '"' {
            let (s, next) = string(src, i, c)?;
            out.push(Token {
                tok: Tok::Str(s),
                offset: i,
            });
            i = next;
            continue;
        }
        if c.is_alphabetic() || c == '_' || c == '$' {
            let rest = src.get(i..).unwrap_or_default();
            let len = rest
                .char_indices()
                .find(|(_, ch)| !(ch.is_alphanumeric() || *ch == '_' || *ch == '$'))
                .map_or(rest.len(), |(n, _)| n);
            let word = rest.get(..len).unwrap_or_default().to_owned();
            out.push(Token {
                tok: Tok::Ident(word),
                offset: i,
            });
            i += len;
            continue;
        }
        let rest = src.get(i..).unwrap_or_default();
        match PUNCTS.iter().find(|p| rest.starts_with(**p)) {
            Some(p) => {
                out.push(Token {
                    tok: Tok::Punct(p),
                    offset: i,
                });
                i += p.len();
            }
            None => {
                return Err(ParseError::at(
                    src,
                    i,
                    format!("unexpected character '{c}'"),
                ));
            }
        }
    }
    Err(ParseError::at(
        src,
        src.len(),
        "missing '}' at the end of the expression",
    ))
}

fn number(src: &str, start: usize) -> (Tok, usize) {
    let b = src.as_bytes();
    let digits = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let mut i = digits(start);
    let mut dec = false;
    if b.get(i) == Some(&b'.') && !b.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic()) {
        dec = true;
        i = digits(i + 1);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        if b.get(j).is_some_and(u8::is_ascii_digit) {
            dec = true;
            i = digits(j);
        }
    }
    let text = src.get(start..i).unwrap_or_default().to_owned();
    (if dec { Tok::Dec(text) } else { Tok::Int(text) }, i)
}

fn string(src: &str, start: usize, quote: char) -> Result<(String, usize), ParseError> {
    let mut out = String::new();
    let mut chars = src.get(start + 1..).unwrap_or_default().char_indices();
    while let Some((n, c)) = chars.next() {
        if c == quote {
            return Ok((out, start + 1 + n + 1));
        }
        if c == '\\' {
            match chars.next() {
                Some((_, e @ ('\'' | '"' | '\\'))) => out.push(e),
                Some((_, e)) => {
                    out.push('\\');
                    out.push(e);
                }
                None => break,
            }
        } else {
            out.push(c);
        }
    }
    Err(ParseError::at(src, start, "unterminated string literal"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s, 0).unwrap().0.into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn lexes_literals_and_operators() {
        assert_eq!(
            toks("a.b >= 1.5 && 'x}' != \"q\\\"\" }"),
            vec![
                Tok::Ident("a".into()),
                Tok::Punct("."),
                Tok::Ident("b".into()),
                Tok::Punct(">="),
                Tok::Dec("1.5".into()),
                Tok::Punct("&&"),
                Tok::Str("x}".into()),
                Tok::Punct("!="),
                Tok::Str("q\"".into()),
                Tok::End,
            ]
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(
            toks("12 1e3 .5}")[..3],
            [
                Tok::Int("12".into()),
                Tok::Dec("1e3".into()),
                Tok::Dec(".5".into())
            ]
        );
    }

    #[test]
    fn errors() {
        assert!(lex("a", 0).is_err());
        assert!(lex("'abc}", 0).is_err());
        assert!(lex("a @ b}", 0).is_err());
    }
}
