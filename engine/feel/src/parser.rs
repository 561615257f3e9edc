//! Recursive-descent FEEL parser (DMN 1.5 grammar, chapter 10.3.1) with the operator
//! precedence of the spec, from lowest to highest: `if/for/some/every/function`, `or`, `and`,
//! comparison (`= != < <= > >= between in instance of`), `+ -`, `* /`, `**` (left
//! associative), unary `-`, then path / filter / invocation. Never panics: nesting is limited
//! by `MAX_PARSE_DEPTH`, and every error carries the position of the offending token.

use crate::ast::{ArithOp, Args, CmpOp, Expr, Iteration, Tests, Type};
use crate::error::ParseError;
use crate::lexer::{Tok, Token, tokenize};
use crate::limits::MAX_PARSE_DEPTH;
use crate::number::Number;

/// Words that end a multi-word name.
const KEYWORDS: &[&str] = &[
    "and", "or", "in", "between", "instance", "of", "then", "else", "return", "satisfies", "if",
    "for", "some", "every", "function", "true", "false", "null", "external",
];

/// Built-in names containing a keyword, recognised before keywords split them.
const KEYWORD_NAMES: &[&str] =
    &["date and time", "years and months duration", "days and time duration", "get or else"];

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
        Ok(Parser { src, toks: tokenize(src, known)?, pos: 0, depth: 0, no_filter: false })
    }

    pub(crate) fn peek(&self) -> &Tok {
        self.peek_at(0)
    }

    pub(crate) fn peek_at(&self, n: usize) -> &Tok {
        self.toks.get(self.pos + n).or_else(|| self.toks.last()).map_or(&Tok::Eof, |t| &t.tok)
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
        if self.eat(t) { Ok(()) } else { Err(self.error(format!("expected {what}, found {}", self.describe()))) }
    }

    fn expect_eof(&self) -> Result<(), ParseError> {
        if self.peek() == &Tok::Eof {
            Ok(())
        } else {
            Err(self.error(format!("unexpected {} after the end of the expression", self.describe())))
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
        if self.eat_word(w) { Ok(()) } else { Err(self.error(format!("expected '{w}', found {}", self.describe()))) }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_PARSE_DEPTH {
            return Err(self.error(format!("expression nested deeper than {MAX_PARSE_DEPTH} levels")));
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
        let r = self.disjunction();
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
            } else if self.is_word("instance") && matches!(self.peek_at(1), Tok::Name(n) if n == "of") {
                self.pos += 2;
                let t = self.type_ref()?;
                left = Expr::InstanceOf(Box::new(left), t);
            } else {
                return Ok(left);
            }
        }
    }

    /// The right side of `in`: one positive unary test, or a parenthesised list of them.
    fn in_tests(&mut self) -> Result<Vec<Expr>, ParseError> {
        if self.peek() == &Tok::LParen {
            let save = self.pos;
            if let Ok(range) = self.positive_test() {
                if matches!(range, Expr::Range { .. }) {
                    return Ok(vec![range]);
                }
            }
            self.pos = save;
            self.pos += 1;
            let tests = self.positive_tests()?;
            self.expect(&Tok::RParen, "')'")?;
            return Ok(tests);
        }
        Ok(vec![self.positive_test()?])
    }

    pub(crate) fn positive_tests(&mut self) -> Result<Vec<Expr>, ParseError> {
        let mut tests = vec![self.positive_test()?];
        while self.eat(&Tok::Comma) {
            tests.push(self.positive_test()?);
        }
        Ok(tests)
    }

    /// A positive unary test: `< e`, an interval, or any expression.
    fn positive_test(&mut self) -> Result<Expr, ParseError> {
        if let Some(op) = self.cmp_op() {
            if op != CmpOp::Ne {
                self.pos += 1;
                let e = self.additive()?;
                return Ok(Expr::UnaryCmp(op, Box::new(e)));
            }
        }
        self.expr()
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
        let r = self.primary_inner();
        self.depth -= 1;
        r
    }

    fn primary_inner(&mut self) -> Result<Expr, ParseError> {
        let tok = self.peek().clone();
        match tok {
            Tok::Number(text) => {
                self.pos += 1;
                let n = Number::parse(&text).ok_or_else(|| self.error(format!("number {text} out of range")))?;
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
            Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge => self.positive_test(),
            Tok::Name(word) => self.word(&word),
            _ => Err(self.error(format!("unexpected {}", self.describe()))),
        }
    }

    fn range_end(&mut self, start: Expr, start_closed: bool) -> Result<Expr, ParseError> {
        let saved = std::mem::replace(&mut self.no_filter, true);
        let end = self.expr();
        self.no_filter = saved;
        let end = end?;
        let end_closed = match self.peek() {
            Tok::RBracket => true,
            Tok::RParen | Tok::LBracket => false,
            _ => return Err(self.error(format!("expected ']', ')' or '[' to close the range, found {}", self.describe()))),
        };
        self.pos += 1;
        Ok(Expr::Range { start: Box::new(start), start_closed, end: Box::new(end), end_closed })
    }

    fn context(&mut self) -> Result<Expr, ParseError> {
        self.pos += 1;
        let mut entries: Vec<(String, Expr)> = Vec::new();
        if self.eat(&Tok::RBrace) {
            return Ok(Expr::Context(entries));
        }
        loop {
            let key = match self.peek().clone() {
                Tok::Str(s) => {
                    self.pos += 1;
                    s
                }
                Tok::Name(_) => {
                    let mut words = Vec::new();
                    while let Tok::Name(n) = self.peek() {
                        words.push(n.clone());
                        self.pos += 1;
                    }
                    words.join(" ")
                }
                _ => return Err(self.error(format!("expected a context key, found {}", self.describe()))),
            };
            if entries.iter().any(|(k, _)| *k == key) {
                return Err(self.error(format!("duplicate context key '{key}'")));
            }
            self.expect(&Tok::Colon, "':' after the context key")?;
            entries.push((key, self.expr()?));
            if !self.eat(&Tok::Comma) {
                break;
            }
        }
        self.expect(&Tok::RBrace, "'}' or ','")?;
        Ok(Expr::Context(entries))
    }

    fn iterations(&mut self) -> Result<Vec<Iteration>, ParseError> {
        let mut its = Vec::new();
        loop {
            let name = self.name()?;
            self.expect_word("in")?;
            let source = self.expr()?;
            let to = if self.eat(&Tok::DotDot) { Some(self.expr()?) } else { None };
            its.push(Iteration { name, source, to });
            if !self.eat(&Tok::Comma) {
                return Ok(its);
            }
        }
    }

    fn word(&mut self, word: &str) -> Result<Expr, ParseError> {
        if let Some((name, n)) = self.keyword_name() {
            if self.peek_at(n) == &Tok::LParen {
                self.pos += n;
                return Ok(Expr::Name(name.to_string()));
            }
        }
        match word {
            "null" => {
                self.pos += 1;
                Ok(Expr::Null)
            }
            "true" | "false" => {
                self.pos += 1;
                Ok(Expr::Bool(word == "true"))
            }
            "if" => {
                self.pos += 1;
                let c = self.expr()?;
                self.expect_word("then")?;
                let a = self.expr()?;
                self.expect_word("else")?;
                let b = self.expr()?;
                Ok(Expr::If(Box::new(c), Box::new(a), Box::new(b)))
            }
            "for" => {
                self.pos += 1;
                let its = self.iterations()?;
                self.expect_word("return")?;
                Ok(Expr::For(its, Box::new(self.expr()?)))
            }
            "some" | "every" if matches!(self.peek_at(1), Tok::Name(_)) => {
                self.pos += 1;
                let iterations = self.iterations()?;
                self.expect_word("satisfies")?;
                let satisfies = Box::new(self.expr()?);
                Ok(Expr::Quantified { every: word == "every", iterations, satisfies })
            }
            "function" if self.peek_at(1) == &Tok::LParen => {
                self.pos += 2;
                let mut params = Vec::new();
                if !self.eat(&Tok::RParen) {
                    loop {
                        let name = self.name()?;
                        let t = if self.eat(&Tok::Colon) { Some(self.type_ref()?) } else { None };
                        params.push((name, t));
                        if !self.eat(&Tok::Comma) {
                            break;
                        }
                    }
                    self.expect(&Tok::RParen, "')' after the parameters")?;
                }
                if self.is_word("external") {
                    return Err(self.error("external functions are not supported"));
                }
                Ok(Expr::Function(params, Box::new(self.expr()?)))
            }
            w if KEYWORDS.contains(&w) => Err(self.error(format!("unexpected keyword '{w}'"))),
            _ => Ok(Expr::Name(self.name()?)),
        }
    }

    /// A type: `number`, `date and time`, `list<T>`, `context<a: T>`, `function<T> -> T`.
    pub(crate) fn type_ref(&mut self) -> Result<Type, ParseError> {
        self.enter()?;
        let r = self.type_inner();
        self.depth -= 1;
        r
    }

    fn type_inner(&mut self) -> Result<Type, ParseError> {
        if let Some((name, n)) = self.keyword_name() {
            self.pos += n;
            return Ok(Type::Named(name.to_string()));
        }
        let name = if self.is_word("function") || self.is_word("null") {
            self.pos += 1;
            match self.toks.get(self.pos.saturating_sub(1)).map(|t| &t.tok) {
                Some(Tok::Name(n)) => n.clone(),
                _ => String::new(),
            }
        } else {
            self.name()?
        };
        if !self.eat(&Tok::Lt) {
            return Ok(Type::Named(name));
        }
        let t = match name.as_str() {
            "list" => Type::List(Box::new(self.type_ref()?)),
            "range" => Type::Range(Box::new(self.type_ref()?)),
            "context" => {
                let mut entries = Vec::new();
                loop {
                    let key = self.name()?;
                    self.expect(&Tok::Colon, "':'")?;
                    entries.push((key, self.type_ref()?));
                    if !self.eat(&Tok::Comma) {
                        break;
                    }
                }
                Type::Context(entries)
            }
            "function" => {
                let mut params = Vec::new();
                if self.peek() != &Tok::Gt {
                    loop {
                        params.push(self.type_ref()?);
                        if !self.eat(&Tok::Comma) {
                            break;
                        }
                    }
                }
                self.expect(&Tok::Gt, "'>'")?;
                self.expect(&Tok::Arrow, "'->'")?;
                return Ok(Type::Function(params, Box::new(self.type_ref()?)));
            }
            other => return Err(self.error(format!("type '{other}' takes no parameters"))),
        };
        self.expect(&Tok::Gt, "'>'")?;
        Ok(t)
    }
}
