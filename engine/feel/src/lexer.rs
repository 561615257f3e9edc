//! FEEL tokenizer: turns source text into tokens with byte offsets. Owns string escapes,
//! comments and the "known names" rule for names containing special characters. Never decides
//! grammar (keywords are ordinary `Name` tokens; the parser interprets them).

use crate::error::ParseError;

/// A token kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// numeric literal text
    Number(String),
    /// string literal (escapes resolved)
    Str(String),
    /// one word of a name (or a whole known name)
    Name(String),
    /// `@`
    At,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `,`
    Comma,
    /// `:`
    Colon,
    /// `.`
    Dot,
    /// `..`
    DotDot,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `**`
    StarStar,
    /// `/`
    Slash,
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `->`
    Arrow,
    /// end of input
    Eof,
}

/// A token with its byte span in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// kind and payload
    pub tok: Tok,
    /// start byte offset
    pub start: usize,
    /// end byte offset (exclusive)
    pub end: usize,
}

/// Largest source text accepted, in bytes.
pub const MAX_SOURCE_LEN: usize = 1 << 20;

/// Name start characters of the DMN 1.5 grammar (rule 27).
fn is_name_start(c: char) -> bool {
    matches!(c,
        '?' | 'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}'
        | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}'
        | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}'
        | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}'
        | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_part(c: char) -> bool {
    is_name_start(c)
        || c.is_numeric()
        || c == '\u{B7}'
        || ('\u{300}'..='\u{36F}').contains(&c)
        || ('\u{203F}'..='\u{2040}').contains(&c)
}

/// Matches a known name at the start of `rest`, treating whitespace in the name as one or more
/// whitespace characters in the text. Returns the matched byte length.
fn match_known(rest: &str, name: &str) -> Option<usize> {
    let mut r = rest.char_indices().peekable();
    let mut n = name.chars().peekable();
    let mut end = 0;
    while let Some(nc) = n.next() {
        if nc.is_whitespace() {
            while n.peek().is_some_and(|c| c.is_whitespace()) {
                n.next();
            }
            let mut any = false;
            while let Some(&(i, c)) = r.peek() {
                if !c.is_whitespace() {
                    break;
                }
                any = true;
                end = i + c.len_utf8();
                r.next();
            }
            if !any {
                return None;
            }
        } else {
            let (i, c) = r.next()?;
            if c != nc {
                return None;
            }
            end = i + c.len_utf8();
        }
    }
    match r.peek() {
        Some(&(_, c)) if is_name_part(c) => None,
        _ => Some(end),
    }
}

fn hex_value(s: &str) -> Option<u32> {
    if s.bytes().all(|b| b.is_ascii_hexdigit()) {
        u32::from_str_radix(s, 16).ok()
    } else {
        None
    }
}

/// Reads a string literal starting after the opening quote; returns (value, end offset).
fn read_string(src: &str, start: usize) -> Result<(String, usize), ParseError> {
    let mut out = String::new();
    let bytes = src.as_bytes();
    let mut i = start;
    let mut pending_high: Option<u32> = None;
    while i < src.len() {
        let Some(c) = src[i..].chars().next() else {
            break;
        };
        match c {
            '"' => {
                if pending_high.is_some() {
                    out.push('\u{FFFD}');
                }
                return Ok((out, i + 1));
            }
            '\\' => {
                let esc = bytes.get(i + 1).copied();
                let (ch, len) = match esc {
                    Some(b'"') => (Some('"'), 2),
                    Some(b'\'') => (Some('\''), 2),
                    Some(b'\\') => (Some('\\'), 2),
                    Some(b'n') => (Some('\n'), 2),
                    Some(b'r') => (Some('\r'), 2),
                    Some(b't') => (Some('\t'), 2),
                    Some(b'/') => (Some('/'), 2),
                    Some(b'u') | Some(b'U') => {
                        let n = if esc == Some(b'u') { 4 } else { 6 };
                        let code =
                            src.get(i + 2..i + 2 + n)
                                .and_then(hex_value)
                                .ok_or_else(|| {
                                    ParseError::at(
                                        src,
                                        i,
                                        "invalid unicode escape in string literal",
                                    )
                                })?;
                        if (0xD800..0xDC00).contains(&code) {
                            pending_high = Some(code);
                            i += 2 + n;
                            continue;
                        }
                        let code = match pending_high.take() {
                            Some(high) if (0xDC00..0xE000).contains(&code) => {
                                0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)
                            }
                            _ => code,
                        };
                        (Some(char::from_u32(code).unwrap_or('\u{FFFD}')), 2 + n)
                    }
                    Some(_) => {
                        out.push('\\');
                        i += 1;
                        continue;
                    }
                    None => return Err(ParseError::at(src, i, "unterminated string literal")),
                };
                if let Some(ch) = ch {
                    out.push(ch);
                }
                i += len;
            }
            c => {
                if pending_high.take().is_some() {
                    out.push('\u{FFFD}');
                }
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    Err(ParseError::at(
        src,
        start.saturating_sub(1),
        "unterminated string literal",
    ))
}

/// Splits `src` into tokens. `known` holds names that may contain spaces or special characters.
pub fn tokenize(src: &str, known: &[&str]) -> Result<Vec<Token>, ParseError> {
    if src.len() > MAX_SOURCE_LEN {
        return Err(ParseError::at(
            src,
            0,
            format!("expression longer than {MAX_SOURCE_LEN} bytes"),
        ));
    }
    let mut special: Vec<&str> = known
        .iter()
        .copied()
        .filter(|n| {
            n.chars().any(|c| !is_name_part(c)) && n.chars().next().is_some_and(is_name_start)
        })
        .collect();
    special.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut toks = Vec::new();
    let bytes = src.as_bytes();
    let mut i = 0;
    while i < src.len() {
        let Some(c) = src[i..].chars().next() else {
            break;
        };
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        let start = i;
        let next = bytes.get(i + 1).copied();
        if c == '/' && next == Some(b'/') {
            i = src[i..].find('\n').map_or(src.len(), |p| i + p);
            continue;
        }
        if c == '/' && next == Some(b'*') {
            match src[i + 2..].find("*/") {
                Some(p) => i = i + 2 + p + 2,
                None => return Err(ParseError::at(src, i, "unterminated comment")),
            }
            continue;
        }
        let prev_is_value = matches!(
            toks.last().map(|t: &Token| &t.tok),
            Some(
                Tok::Name(_)
                    | Tok::Number(_)
                    | Tok::Str(_)
                    | Tok::RParen
                    | Tok::RBracket
                    | Tok::RBrace
            )
        );
        let tok = if c.is_ascii_digit()
            || (c == '.' && next.is_some_and(|b| b.is_ascii_digit()) && !prev_is_value)
        {
            let mut j = i;
            while bytes.get(j).is_some_and(|b| b.is_ascii_digit()) {
                j += 1;
            }
            if bytes.get(j) == Some(&b'.') && bytes.get(j + 1).is_some_and(|b| b.is_ascii_digit()) {
                j += 1;
                while bytes.get(j).is_some_and(|b| b.is_ascii_digit()) {
                    j += 1;
                }
            }
            if matches!(bytes.get(j), Some(b'e' | b'E'))
                && (bytes.get(j + 1).is_some_and(|b| b.is_ascii_digit())
                    || (matches!(bytes.get(j + 1), Some(b'+' | b'-'))
                        && bytes.get(j + 2).is_some_and(|b| b.is_ascii_digit())))
            {
                j += 2;
                while bytes.get(j).is_some_and(|b| b.is_ascii_digit()) {
                    j += 1;
                }
            }
            i = j;
            Tok::Number(src[start..j].to_string())
        } else if is_name_start(c) {
            if let Some((name, len)) = special
                .iter()
                .find_map(|n| match_known(&src[i..], n).map(|l| (*n, l)))
            {
                i += len;
                Tok::Name(name.to_string())
            } else {
                let mut j = i;
                for (k, ch) in src[i..].char_indices() {
                    if !is_name_part(ch) {
                        break;
                    }
                    j = i + k + ch.len_utf8();
                }
                i = j;
                Tok::Name(src[start..j].to_string())
            }
        } else if c == '"' {
            let (s, end) = read_string(src, i + 1)?;
            i = end;
            Tok::Str(s)
        } else {
            let two = src.get(i..i + 2).unwrap_or("");
            let (t, len) = match two {
                ".." => (Tok::DotDot, 2),
                "**" => (Tok::StarStar, 2),
                "!=" => (Tok::Ne, 2),
                "<=" => (Tok::Le, 2),
                ">=" => (Tok::Ge, 2),
                "->" => (Tok::Arrow, 2),
                _ => {
                    let t = match c {
                        '@' => Tok::At,
                        '(' => Tok::LParen,
                        ')' => Tok::RParen,
                        '[' => Tok::LBracket,
                        ']' => Tok::RBracket,
                        '{' => Tok::LBrace,
                        '}' => Tok::RBrace,
                        ',' => Tok::Comma,
                        ':' => Tok::Colon,
                        '.' => Tok::Dot,
                        '+' => Tok::Plus,
                        '-' => Tok::Minus,
                        '*' => Tok::Star,
                        '/' => Tok::Slash,
                        '=' => Tok::Eq,
                        '<' => Tok::Lt,
                        '>' => Tok::Gt,
                        _ => {
                            return Err(ParseError::at(
                                src,
                                i,
                                format!("unexpected character {c:?}"),
                            ));
                        }
                    };
                    (t, 1)
                }
            };
            i += len;
            t
        };
        toks.push(Token { tok, start, end: i });
    }
    toks.push(Token {
        tok: Tok::Eof,
        start: src.len(),
        end: src.len(),
    });
    Ok(toks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        tokenize(src, &[])
            .unwrap()
            .into_iter()
            .map(|t| t.tok)
            .collect()
    }

    #[test]
    fn numbers_and_ranges() {
        assert_eq!(
            kinds("1..3"),
            vec![
                Tok::Number("1".into()),
                Tok::DotDot,
                Tok::Number("3".into()),
                Tok::Eof
            ]
        );
        assert_eq!(kinds(".5")[0], Tok::Number(".5".into()));
        assert_eq!(kinds("1.25")[0], Tok::Number("1.25".into()));
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            kinds(r#""a\"b\u0041\uD83D\uDCA9""#)[0],
            Tok::Str("a\"bA\u{1F4A9}".into())
        );
        assert!(tokenize("\"abc", &[]).is_err());
        assert_eq!(kinds(r#""\d+""#)[0], Tok::Str("\\d+".into()));
    }

    #[test]
    fn comments_are_skipped() {
        assert_eq!(kinds("1 // c\n + /* x */ 2").len(), 4);
    }

    #[test]
    fn known_names_with_special_characters() {
        let t = tokenize("Loan-to-Value  Ratio * 2", &["Loan-to-Value Ratio"]).unwrap();
        assert_eq!(t[0].tok, Tok::Name("Loan-to-Value Ratio".into()));
        assert_eq!(t[1].tok, Tok::Star);
    }
}
