//! Bytes → text: byte-order marks, the XML declaration and the document's encoding.
//!
//! Owns turning the raw bytes of a document into one `String` the XML reader can work on, and
//! checking the XML declaration by hand (quick-xml does not). Accepts UTF-8 (with or without a
//! BOM), UTF-16 with a BOM, US-ASCII, ISO-8859-1 and windows-1252. It never guesses: bytes that do
//! not match the declared encoding are an error with the line and column of the first bad byte.
//! It never reads anything but the given bytes.

use super::position::LineIndex;
use crate::diagnostic::{Diagnostic, Position};

/// windows-1252 code points for the bytes 0x80..=0x9F (the rest is ISO-8859-1). Undefined
/// bytes map to the C1 control of the same value, as most decoders do.
const CP1252_HIGH: [u16; 32] = [
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039,
    0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
];

/// Decodes `bytes` into text, honouring a BOM and the declared encoding, and checks that the
/// text only holds characters XML allows.
pub(crate) fn decode(bytes: &[u8]) -> Result<String, Diagnostic> {
    let text = if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        decode_utf16(rest, u16::from_le_bytes)?
    } else if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        decode_utf16(rest, u16::from_be_bytes)?
    } else {
        let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
        let declared = check_declaration(body)?;
        match declared.as_deref().map(normalize_label).as_deref() {
            None | Some("utf8" | "ascii" | "usascii" | "utf16") => decode_utf8(body)?,
            Some("iso88591" | "latin1" | "l1" | "iso885915") => {
                body.iter().map(|&b| char::from(b)).collect()
            }
            Some("windows1252" | "cp1252") => body.iter().map(|&b| cp1252(b)).collect(),
            Some(_) => {
                let name = declared.unwrap_or_default();
                return Err(at_start(format!(
                    "unsupported encoding \"{name}\": save the file as utf-8"
                )));
            }
        }
    };
    check_chars(&text)?;
    Ok(text)
}

fn at_start(message: String) -> Diagnostic {
    Diagnostic::error(Position { line: 1, column: 1 }, None, message)
}

/// `UTF-8` → `utf8`, `ISO_8859-1` → `iso88591`.
fn normalize_label(label: &str) -> String {
    label
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn cp1252(b: u8) -> char {
    match b {
        0x80..=0x9F => {
            let cp = CP1252_HIGH[usize::from(b - 0x80)];
            char::from_u32(u32::from(cp)).unwrap_or(char::REPLACEMENT_CHARACTER)
        }
        _ => char::from(b),
    }
}

fn decode_utf8(body: &[u8]) -> Result<String, Diagnostic> {
    match std::str::from_utf8(body) {
        Ok(s) => Ok(s.to_owned()),
        Err(e) => {
            let valid = e.valid_up_to();
            // The prefix is valid UTF-8 by construction, so positions count characters.
            let prefix = String::from_utf8_lossy(body.get(..valid).unwrap_or_default());
            let pos = LineIndex::new(&prefix).position(prefix.len());
            let byte = body.get(valid).copied().unwrap_or_default();
            Err(Diagnostic::error(
                pos,
                None,
                format!(
                    "invalid utf-8 byte 0x{byte:02X}: the document must be encoded as it declares (utf-8 unless an encoding is declared)"
                ),
            ))
        }
    }
}

fn decode_utf16(rest: &[u8], word: fn([u8; 2]) -> u16) -> Result<String, Diagnostic> {
    if !rest.len().is_multiple_of(2) {
        return Err(at_start(
            "utf-16 document has an odd number of bytes".into(),
        ));
    }
    let units = rest.chunks_exact(2).map(|c| word([c[0], c[1]]));
    let mut out = String::with_capacity(rest.len() / 2);
    for unit in char::decode_utf16(units) {
        match unit {
            Ok(c) => out.push(c),
            Err(_) => {
                let pos = LineIndex::new(&out).position(out.len());
                return Err(Diagnostic::error(
                    pos,
                    None,
                    "invalid utf-16: unpaired surrogate",
                ));
            }
        }
    }
    Ok(out)
}

/// Rejects characters XML 1.0 forbids (C0 controls other than tab, newline and carriage
/// return; U+FFFE and U+FFFF).
fn check_chars(text: &str) -> Result<(), Diagnostic> {
    let bad = text.char_indices().find(|&(_, c)| {
        matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
    });
    match bad {
        None => Ok(()),
        Some((offset, c)) => Err(Diagnostic::error(
            LineIndex::new(text).position(offset),
            None,
            format!("character U+{:04X} is not allowed in xml", u32::from(c)),
        )),
    }
}

/// Checks the XML declaration at the very start of `body`, if any, and returns its declared
/// encoding. Pseudo-attributes must be separated by whitespace, `version` must come first.
fn check_declaration(body: &[u8]) -> Result<Option<String>, Diagnostic> {
    let Some(after) = body.strip_prefix(b"<?xml") else {
        return Ok(None);
    };
    match after.first() {
        Some(b' ' | b'\t' | b'\r' | b'\n') => {}
        // `<?xml-stylesheet ...?>` and friends are processing instructions, not a declaration.
        _ => return Ok(None),
    }
    let end = after
        .windows(2)
        .position(|w| w == b"?>")
        .ok_or_else(|| at_start("xml declaration is not closed".into()))?;
    let decl = String::from_utf8_lossy(&after[..end]);
    let bad = |col: usize, what: &str| {
        let column = u32::try_from(col + 6).unwrap_or(u32::MAX);
        Diagnostic::error(
            Position { line: 1, column },
            None,
            format!("xml declaration is not well-formed: {what}"),
        )
    };
    let mut names = Vec::new();
    let mut encoding = None;
    let chars: Vec<char> = decl.chars().collect();
    let mut i = 0;
    loop {
        let ws_start = i;
        while chars.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
            i += 1;
        }
        if i >= chars.len() {
            break;
        }
        if i == ws_start {
            return Err(bad(i, "expected whitespace between pseudo-attributes"));
        }
        let name_start = i;
        while chars.get(i).is_some_and(|c| c.is_ascii_alphabetic()) {
            i += 1;
        }
        let name: String = chars[name_start..i].iter().collect();
        if !matches!(name.as_str(), "version" | "encoding" | "standalone") {
            return Err(bad(name_start, "expected version, encoding or standalone"));
        }
        while chars.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
            i += 1;
        }
        if chars.get(i) != Some(&'=') {
            return Err(bad(i, "expected '='"));
        }
        i += 1;
        while chars.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
            i += 1;
        }
        let quote = match chars.get(i) {
            Some(&q @ ('"' | '\'')) => q,
            _ => return Err(bad(i, "expected a quoted value")),
        };
        let value_start = i + 1;
        let Some(len) = chars[value_start..].iter().position(|&c| c == quote) else {
            return Err(bad(i, "unterminated value"));
        };
        let value: String = chars[value_start..value_start + len].iter().collect();
        i = value_start + len + 1;
        if name == "encoding" {
            encoding = Some(value);
        }
        names.push(name);
    }
    if names.first().map(String::as_str) != Some("version") {
        return Err(bad(0, "version must come first"));
    }
    Ok(encoding)
}
