//! Recursive-descent FEEL parser (DMN 1.5 grammar, chapter 10.3.1) with the operator
//! precedence of the spec, from lowest to highest: `if/for/some/every/function`, `or`, `and`,
//! comparison (`= != < <= > >= between in instance of`), `+ -`, `* /`, `**` (left
//! associative), unary `-`, then path / filter / invocation. Never panics: nesting is limited
//! by `MAX_PARSE_DEPTH`, and every error carries the position of the offending token.

mod compound;

use crate::ast::{Args, ArithOp, CmpOp, Expr, Tests};
use crate::error::ParseError;
use crate::lexer::{Tok, Token, tokenize};
use crate::limits::MAX_PARSE_DEPTH;
use crate::number::Number;

/// Words that end a multi-word name.
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "in",
    "between",
    "instance",
    "then",
    "else",
    "return",
    "satisfies",
    "if",
    "for",
    "some",
    "every",
    "function",
    "true",
    "false",
    "null",
    "external",
];

/// Built-in names containing a keyword, recognised before keywords split them.
const KEYWORD_NAMES: &[&str] = &[
    "date and time",
    "years and months duration",
    "days and time duration",
    "get or else",
];

/// Parses a whole expression.
pub fn parse_expression(src: &str, known: &[&str]) -> Result<Expr, ParseError> {
    let mut p = Parser::new(src, known)?;
    let e = p.expr()?;
    p.expect_eof()?;
    Ok(e)
}

/// Parses unary tests (`-`, `not(...)`, or comma-separated positive unary tests).
pub fn parse_unary_tests(src: &str, known: &[&str]) -> Result<Tests, ParseError> {
    let mut p = Parser::new(src, known)?;
    if p.peek() == &Tok::Minus && p.peek_at(1) == &Tok::Eof {
        return Ok(Tests::Any);
    }
    if p.is_word("not") && p.peek_at(1) == &Tok::LParen {
        let save = p.pos;
        p.pos += 2;
        let tests = p.positive_tests()?;
        if p.eat(&Tok::RParen) && p.peek() == &Tok::Eof {
            return Ok(Tests::Not(tests));
        }
        p.pos = save;
    }
    let tests = p.positive_tests()?;
    p.expect_eof()?;
    Ok(Tests::Positive(tests))
}

pub(crate) struct Parser<'s> {
    src: &'s str,
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
    no_filter: bool,
}

impl<'s> Parser<'s> {
    fn new(src: &'s str, known: &[&str]) -> Result<Parser<'s>, ParseError> {
        Ok(Parser {
            src,
            toks: tokenize(src, known)?,
            pos: 0,
            depth: 0,
            no_filter: false,
        })
    }

    pub(crate) fn peek(&self) -> &Tok {
        self.peek_at(0)
    }

    pub(crate) fn peek_at(&self, n: usize) -> &Tok {
        self.toks
            .get(self.pos + n)
            .or_else(|| self.toks.last())
            .map_or(&Tok::Eof, |t| &t.tok)
    }

    fn offset(&self) -> usize {
        self.toks.get(self.pos).map_or(self.src.len(), |t| t.start)
    }

    pub(crate) fn error(&self, msg: impl Into<String>) -> ParseError {
        ParseError::at(self.src, self.offset(), msg)
    }

    fn describe(&self) -> String {
        match self.toks.get(self.pos) {
            Some(t) if t.tok == Tok::Eof => "end of expression".to_string(),
            Some(t) => format!("'{}'", self.src.get(t.start..t.end).unwrap_or("?")),
            None => "end of expression".to_string(),
        }
    }

    pub(crate) fn eat(&mut self, t: &Tok) -> bool {
        if self.peek() == t {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(crate) fn expect(&mut self, t: &Tok, what: &str) -> Result<(), ParseError> {
        if self.eat(t) {
            Ok(())
        } else {
            Err(self.error(format!("expected {what}, found {}", self.describe())))
        }
    }

    fn expect_eof(&self) -> Result<(), ParseError> {
        if self.peek() == &Tok::Eof {
            Ok(())
        } else {
            Err(self.error(format!(
                "unexpected {} after the end of the expression",
                self.describe()
            )))
        }
    }

    pub(crate) fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Tok::Name(n) if n == w)
    }

    fn eat_word(&mut self, w: &str) -> bool {
        if self.is_word(w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, w: &str) -> Result<(), ParseError> {
        if self.eat_word(w) {
            Ok(())
        } else {
            Err(self.error(format!("expected '{w}', found {}", self.describe())))
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_PARSE_DEPTH {
            return Err(self.error(format!(
                "expression nested deeper than {MAX_PARSE_DEPTH} levels"
            )));
        }
        Ok(())
    }

    /// Matches one of the keyword-containing built-in names at the cursor.
    fn keyword_name(&self) -> Option<(&'static str, usize)> {
        KEYWORD_NAMES.iter().find_map(|name| {
            let words: Vec<&str> = name.split(' ').collect();
            let all = words
                .iter()
                .enumerate()
                .all(|(i, w)| matches!(self.peek_at(i), Tok::Name(n) if n == w));
            all.then_some((*name, words.len()))
        })
    }

    /// Reads a (possibly multi-word) name; keywords end it.
    pub(crate) fn name(&mut self) -> Result<String, ParseError> {
        let mut words: Vec<String> = Vec::new();
        while let Tok::Name(n) = self.peek() {
            if KEYWORDS.contains(&n.as_str()) && !words.is_empty() {
                break;
            }
            if KEYWORDS.contains(&n.as_str()) {
                break;
            }
            words.push(n.clone());
            self.pos += 1;
        }
        if words.is_empty() {
            return Err(self.error(format!("expected a name, found {}", self.describe())));
        }
        Ok(words.join(" "))
    }

    /// expression = textual expression (lowest precedence: disjunction; `if`/`for`/... are
    /// handled in `primary` and extend as far right as possible).
    pub(crate) fn expr(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let r = crate::limits::with_stack(|| self.disjunction());
        self.depth -= 1;
        r
    }

    fn disjunction(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.conjunction()?;
        while self.eat_word("or") {
            let right = self.conjunction()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn conjunction(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.comparison()?;
        while self.eat_word("and") {
            let right = self.comparison()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn cmp_op(&self) -> Option<CmpOp> {
        Some(match self.peek() {
            Tok::Eq => CmpOp::Eq,
            Tok::Ne => CmpOp::Ne,
            Tok::Lt => CmpOp::Lt,
            Tok::Le => CmpOp::Le,
            Tok::Gt => CmpOp::Gt,
            Tok::Ge => CmpOp::Ge,
            _ => return None,
        })
    }

    fn comparison(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.additive()?;
        loop {
            if let Some(op) = self.cmp_op() {
                self.pos += 1;
                let right = self.additive()?;
                left = Expr::Compare(op, Box::new(left), Box::new(right));
            } else if self.eat_word("between") {
                let lo = self.additive()?;
                self.expect_word("and")?;
                let hi = self.additive()?;
                left = Expr::Between(Box::new(left), Box::new(lo), Box::new(hi));
            } else if self.eat_word("in") {
                let tests = self.in_tests()?;
                left = Expr::In(Box::new(left), tests);
            } else if self.is_word("instance")
                && matches!(self.peek_at(1), Tok::Name(n) if n == "of")
            {
                self.pos += 2;
                let t = self.type_ref()?;
                left = Expr::InstanceOf(Box::new(left), t);
            } else {
                return Ok(left);
            }
        }
    }

    fn additive(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.multiplicative()?;
        loop {
            let op = match self.peek() {
                Tok::Plus => ArithOp::Add,
                Tok::Minus => ArithOp::Sub,
                _ => return Ok(left),
            };
            self.pos += 1;
            let right = self.multiplicative()?;
            left = Expr::Arith(op, Box::new(left), Box::new(right));
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.power()?;
        loop {
            let op = match self.peek() {
                Tok::Star => ArithOp::Mul,
                Tok::Slash => ArithOp::Div,
                _ => return Ok(left),
            };
            self.pos += 1;
            let right = self.power()?;
            left = Expr::Arith(op, Box::new(left), Box::new(right));
        }
    }

    fn power(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        while self.eat(&Tok::StarStar) {
            let right = self.unary()?;
            left = Expr::Arith(ArithOp::Pow, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.eat(&Tok::Minus) {
            self.enter()?;
            let e = self.unary();
            self.depth -= 1;
            return Ok(match e? {
                Expr::Number(n) => Expr::Number(n.neg()),
                e => Expr::Neg(Box::new(e)),
            });
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.primary()?;
        loop {
            match self.peek() {
                Tok::Dot => {
                    self.pos += 1;
                    let name = self.name()?;
                    e = Expr::Path(Box::new(e), name);
                }
                Tok::LBracket if !self.no_filter => {
                    self.pos += 1;
                    let saved = std::mem::replace(&mut self.no_filter, false);
                    let f = self.expr();
                    self.no_filter = saved;
                    let f = f?;
                    self.expect(&Tok::RBracket, "']'")?;
                    e = Expr::Filter(Box::new(e), Box::new(f));
                }
                Tok::LParen => {
                    self.pos += 1;
                    let args = self.arguments()?;
                    e = Expr::Call(Box::new(e), args);
                }
                _ => return Ok(e),
            }
        }
    }

    fn arguments(&mut self) -> Result<Args, ParseError> {
        if self.eat(&Tok::RParen) {
            return Ok(Args::Positional(Vec::new()));
        }
        let mut k = 0;
        while matches!(self.peek_at(k), Tok::Name(_)) {
            k += 1;
        }
        if k > 0 && self.peek_at(k) == &Tok::Colon {
            let mut named = Vec::new();
            loop {
                let mut words = Vec::new();
                while let Tok::Name(n) = self.peek() {
                    words.push(n.clone());
                    self.pos += 1;
                }
                if words.is_empty() {
                    return Err(self.error("expected a parameter name"));
                }
                self.expect(&Tok::Colon, "':'")?;
                named.push((words.join(" "), self.expr()?));
                if !self.eat(&Tok::Comma) {
                    break;
                }
            }
            self.expect(&Tok::RParen, "')' after the arguments")?;
            return Ok(Args::Named(named));
        }
        let mut items = vec![self.expr()?];
        while self.eat(&Tok::Comma) {
            items.push(self.expr()?);
        }
        self.expect(&Tok::RParen, "')' after the arguments")?;
        Ok(Args::Positional(items))
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let r = crate::limits::with_stack(|| self.primary_inner());
        self.depth -= 1;
        r
    }

    fn primary_inner(&mut self) -> Result<Expr, ParseError> {
        let tok = self.peek().clone();
        match tok {
            Tok::Number(text) => {
                self.pos += 1;
                let n = Number::parse(&text)
                    .ok_or_else(|| self.error(format!("number {text} out of range")))?;
                Ok(Expr::Number(n))
            }
            Tok::Str(s) => {
                self.pos += 1;
                Ok(Expr::String(s))
            }
            Tok::At => {
                self.pos += 1;
                match self.peek().clone() {
                    Tok::Str(s) => {
                        self.pos += 1;
                        Ok(Expr::At(s))
                    }
                    _ => Err(self.error("expected a string literal after '@'")),
                }
            }
            Tok::LParen => {
                self.pos += 1;
                let e = self.expr()?;
                if self.eat(&Tok::DotDot) {
                    return self.range_end(e, false);
                }
                self.expect(&Tok::RParen, "')'")?;
                Ok(e)
            }
            Tok::RBracket => {
                self.pos += 1;
                let start = self.expr()?;
                self.expect(&Tok::DotDot, "'..'")?;
                self.range_end(start, false)
            }
            Tok::LBracket => {
                self.pos += 1;
                if self.eat(&Tok::RBracket) {
                    return Ok(Expr::List(Vec::new()));
                }
                let first = self.positive_test()?;
                if self.eat(&Tok::DotDot) {
                    return self.range_end(first, true);
                }
                let mut items = vec![first];
                while self.eat(&Tok::Comma) {
                    items.push(self.positive_test()?);
                }
                self.expect(&Tok::RBracket, "']' or ','")?;
                Ok(Expr::List(items))
            }
            Tok::LBrace => self.context(),
            Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge | Tok::Eq | Tok::Ne => self.positive_test(),
            Tok::Name(word) => self.word(&word),
            _ => Err(self.error(format!("unexpected {}", self.describe()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(src: &str) -> Expr {
        parse_expression(src, &[]).unwrap()
    }

    #[test]
    fn precedence_follows_the_spec() {
        let one = |n| Box::new(Expr::Number(Number::from(n)));
        assert_eq!(
            p("1 + 2 * 3"),
            Expr::Arith(
                ArithOp::Add,
                one(1),
                Box::new(Expr::Arith(ArithOp::Mul, one(2), one(3)))
            )
        );
        assert!(matches!(p("a or b and c"), Expr::Or(_, _)));
        assert!(matches!(p("-a ** 2"), Expr::Arith(ArithOp::Pow, _, _)));
        assert!(matches!(p("a + 1 > 2 and b"), Expr::And(_, _)));
        assert!(matches!(
            p("x instance of list<number>"),
            Expr::InstanceOf(_, crate::ast::Type::List(_))
        ));
    }

    #[test]
    fn names_with_spaces_and_keywords() {
        assert_eq!(p("Full  Name"), Expr::Name("Full Name".into()));
        assert!(
            matches!(p("date and time(\"2026-01-01T00:00:00\")"), Expr::Call(f, _) if *f == Expr::Name("date and time".into()))
        );
        assert!(matches!(p("a and b"), Expr::And(_, _)));
        assert!(
            matches!(p("string length(x)"), Expr::Call(f, _) if *f == Expr::Name("string length".into()))
        );
    }

    #[test]
    fn ranges_lists_and_tests() {
        assert!(matches!(
            p("[1..10)"),
            Expr::Range {
                start_closed: true,
                end_closed: false,
                ..
            }
        ));
        assert!(matches!(
            p("]1..10["),
            Expr::Range {
                start_closed: false,
                end_closed: false,
                ..
            }
        ));
        assert!(matches!(p("[1, 2]"), Expr::List(v) if v.len() == 2));
        assert!(matches!(p("x in (1, 2)"), Expr::In(_, v) if v.len() == 2));
        assert!(matches!(p("x in (1..2)"), Expr::In(_, v) if v.len() == 1));
        assert_eq!(parse_unary_tests("-", &[]).unwrap(), Tests::Any);
        assert!(
            matches!(parse_unary_tests("not(1, 2)", &[]).unwrap(), Tests::Not(v) if v.len() == 2)
        );
        assert!(
            matches!(parse_unary_tests("< 1, [2..3]", &[]).unwrap(), Tests::Positive(v) if v.len() == 2)
        );
    }

    #[test]
    fn errors_point_at_the_token() {
        let e = parse_expression("1 + * 2", &[]).unwrap_err();
        assert_eq!((e.line, e.column), (1, 5));
        assert!(parse_expression("if a then b", &[]).is_err());
        assert!(parse_expression("{a: 1, a: 2}", &[]).is_err());
        assert!(parse_expression(&"[".repeat(10_000), &[]).is_err());
    }
}
