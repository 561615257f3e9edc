//! XML Schema / XPath regular expressions (what FEEL's `matches`, `replace` and `split` take)
//! translated to the `regex` crate's syntax. Pure text rewriting, never runs a pattern.
//!
//! Differences handled: `.` does not match `\n` or `\r` (unless flag `s`); character class
//! subtraction `[a-z-[aeiou]]` becomes the crate's `[a-z--[aeiou]]`; Unicode block escapes
//! `\p{IsBasicLatin}` become code point ranges (a few common blocks); and with flag `x`,
//! whitespace outside character classes is removed before matching (XPath 3.1, 5.6.1), instead
//! of the crate's own extended mode (which also treats `#` as a comment). Back-references are
//! not supported by the crate, so such patterns fail to compile and the functions give null.

/// Code point ranges of the Unicode blocks recognised in `\p{IsName}`.
const BLOCKS: &[(&str, &str)] = &[
    ("BasicLatin", r"\x{0}-\x{7F}"),
    ("Latin-1Supplement", r"\x{80}-\x{FF}"),
    ("LatinExtended-A", r"\x{100}-\x{17F}"),
    ("LatinExtended-B", r"\x{180}-\x{24F}"),
    ("IPAExtensions", r"\x{250}-\x{2AF}"),
    ("Greek", r"\x{370}-\x{3FF}"),
    ("GreekandCoptic", r"\x{370}-\x{3FF}"),
    ("Cyrillic", r"\x{400}-\x{4FF}"),
    ("Hebrew", r"\x{590}-\x{5FF}"),
    ("Arabic", r"\x{600}-\x{6FF}"),
    ("GeneralPunctuation", r"\x{2000}-\x{206F}"),
    ("CJKUnifiedIdeographs", r"\x{4E00}-\x{9FFF}"),
];

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// Translates `pattern`; `dot_all` is flag `s`, `strip_space` flag `x`. `None` for an
/// escape the translation can not express (an unknown block, a truncated escape).
pub(super) fn translate(pattern: &str, dot_all: bool, strip_space: bool) -> Option<String> {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    // Nesting of character classes (subtraction nests them).
    let mut depth = 0usize;
    while let Some(c) = chars.next() {
        if strip_space && depth == 0 && is_xml_space(c) {
            continue;
        }
        match c {
            '\\' => {
                let mut n = chars.next()?;
                while strip_space && depth == 0 && is_xml_space(n) {
                    n = chars.next()?;
                }
                if (n == 'p' || n == 'P') && chars.peek() == Some(&'{') {
                    chars.next();
                    let mut name = String::new();
                    for ch in chars.by_ref() {
                        if ch == '}' {
                            break;
                        }
                        if !(strip_space && is_xml_space(ch)) {
                            name.push(ch);
                        }
                    }
                    property(&mut out, n == 'P', &name, depth > 0)?;
                } else {
                    out.push('\\');
                    out.push(n);
                }
            }
            '[' => {
                depth += 1;
                out.push('[');
            }
            ']' if depth > 0 => {
                depth -= 1;
                out.push(']');
            }
            '-' if depth > 0 && chars.peek() == Some(&'[') => out.push_str("--"),
            '.' if depth == 0 && !dot_all => out.push_str(r"[^\n\r]"),
            c => out.push(c),
        }
    }
    Some(out)
}

/// Writes `\p{name}` (or `\P{..}` when `negated`): a block range for `IsBlock`, else the
/// category as written.
fn property(out: &mut String, negated: bool, name: &str, in_class: bool) -> Option<()> {
    let Some(block) = name.strip_prefix("Is") else {
        out.push_str(if negated { r"\P{" } else { r"\p{" });
        out.push_str(name);
        out.push('}');
        return Some(());
    };
    let range = BLOCKS.iter().find(|(b, _)| *b == block).map(|(_, r)| *r)?;
    match (negated, in_class) {
        (false, true) => out.push_str(range),
        (false, false) => {
            out.push('[');
            out.push_str(range);
            out.push(']');
        }
        (true, _) => {
            out.push_str("[^");
            out.push_str(range);
            out.push(']');
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn translations() {
        assert_eq!(translate("a.b", false, false).unwrap(), r"a[^\n\r]b");
        assert_eq!(translate("a.b", true, false).unwrap(), "a.b");
        assert_eq!(translate("[a.]", false, false).unwrap(), "[a.]");
        assert_eq!(
            translate("[A-Z-[OI]]", false, false).unwrap(),
            "[A-Z--[OI]]"
        );
        assert_eq!(
            translate(r"hello\ sworld", false, true).unwrap(),
            r"hello\sworld"
        );
        assert_eq!(translate(" a[ ]b ", false, true).unwrap(), "a[ ]b");
        assert_eq!(
            translate(r"\p{ I s BasicLatin}+", false, true).unwrap(),
            r"[\x{0}-\x{7F}]+"
        );
        assert_eq!(translate(r"\p{Lu}", false, false).unwrap(), r"\p{Lu}");
        assert!(translate(r"\p{IsNoSuchBlock}", false, false).is_none());
        assert!(translate("a\\", false, false).is_none());
    }
}
