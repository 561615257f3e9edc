//! Recursive-descent FEEL parser (DMN 1.5 grammar, chapter 10.3.1) with the operator
//! precedence of the spec, from lowest to highest: `if/for/some/every/function`, `or`, `and`,
//! comparison (`= != < <= > >= between in instance of`), `+ -`, `* /`, `**` (left
//! associative), unary `-`, then path / filter / invocation. Never panics, and every error
//! carries the position of the offending token.
//!
//! Depth: the parser recurses, so nesting is bounded by `MAX_PARSE_DEPTH` without any stack
//! tricks. `depth` counts the levels entered (each primary, unary `-`, type parameter);
//! operator chains (`a + b + c`, `a.b.c`, `f(x)(y)`) are loops that build left-deep trees, so
//! each further operator continues from the deepest level reached so far in the chain
//! (`peak`). That keeps `depth` an upper bound of the height of the tree being built, so the
//! evaluator, printer and `Drop` of a parsed tree are bounded as well.

mod compound;
mod primary;

use crate::ast::{Args, ArithOp, CmpOp, Expr, Tests};
use crate::error::ParseError;
use crate::lexer::{Tok, Token, tokenize};
use crate::limits::MAX_PARSE_DEPTH;

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
        let mark = p.mark();
        p.pos += 2;
        let tests = p.positive_tests()?;
        if p.eat(&Tok::RParen) && p.peek() == &Tok::Eof {
            return Ok(Tests::Not(tests));
        }
        p.reset(mark);
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
    peak: usize,
    no_filter: bool,
}

/// Saved chain state: see [`Parser::chain_start`].
pub(crate) struct Chain {
    depth: usize,
    peak: usize,
}

impl<'s> Parser<'s> {
    fn new(src: &'s str, known: &[&str]) -> Result<Parser<'s>, ParseError> {
        Ok(Parser {
            src,
            toks: tokenize(src, known)?,
            pos: 0,
            depth: 0,
            peak: 0,
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

    /// Enters one nesting level; fails beyond `MAX_PARSE_DEPTH`.
    pub(crate) fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        self.peak = self.peak.max(self.depth);
        if self.depth > MAX_PARSE_DEPTH {
            return Err(self.error(format!(
                "expression nested deeper than {MAX_PARSE_DEPTH} levels (parentheses, lists, \
                 contexts, calls, unary operators and operator chains count)"
            )));
        }
        Ok(())
    }

    /// Leaves a level entered with [`Parser::enter`].
    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Starts an operator chain: later operators continue from the chain's deepest level.
    pub(crate) fn chain_start(&mut self) -> Chain {
        let saved = Chain {
            depth: self.depth,
            peak: self.peak,
        };
        self.peak = self.depth;
        saved
    }

    /// Before the next operator of a chain: the new node sits above everything parsed so far.
    pub(crate) fn chain_step(&mut self) {
        self.depth = self.peak;
    }

    /// Ends a chain, restoring the depth it started at.
    pub(crate) fn chain_end(&mut self, saved: Chain) {
        self.depth = saved.depth;
        self.peak = self.peak.max(saved.peak);
    }

    /// Saves the cursor and depth for backtracking.
    pub(crate) fn mark(&self) -> (usize, usize, usize) {
        (self.pos, self.depth, self.peak)
    }

    /// Backtracks to a [`Parser::mark`].
    pub(crate) fn reset(&mut self, mark: (usize, usize, usize)) {
        (self.pos, self.depth, self.peak) = mark;
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
        self.binary(LEVEL_OR)
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

    /// The binary operator at the cursor and its precedence level.
    fn binary_op(&self) -> Option<(u8, BinOp)> {
        if let Some(op) = self.cmp_op() {
            return Some((LEVEL_CMP, BinOp::Cmp(op)));
        }
        Some(match self.peek() {
            Tok::Plus => (LEVEL_ADD, BinOp::Arith(ArithOp::Add)),
            Tok::Minus => (LEVEL_ADD, BinOp::Arith(ArithOp::Sub)),
            Tok::Star => (LEVEL_MUL, BinOp::Arith(ArithOp::Mul)),
            Tok::Slash => (LEVEL_MUL, BinOp::Arith(ArithOp::Div)),
            Tok::StarStar => (LEVEL_POW, BinOp::Arith(ArithOp::Pow)),
            Tok::Name(w) => match w.as_str() {
                "or" => (LEVEL_OR, BinOp::Or),
                "and" => (LEVEL_AND, BinOp::And),
                "between" => (LEVEL_CMP, BinOp::Between),
                "in" => (LEVEL_CMP, BinOp::In),
                "instance" if matches!(self.peek_at(1), Tok::Name(n) if n == "of") => {
                    (LEVEL_CMP, BinOp::InstanceOf)
                }
                _ => return None,
            },
            _ => return None,
        })
    }

    /// Operators of precedence `min` and higher, left associative (precedence climbing). The
    /// tree of a chain grows one level per operator, which the depth accounting follows.
    pub(crate) fn binary(&mut self, min: u8) -> Result<Expr, ParseError> {
        let chain = self.chain_start();
        let r = self.binary_chain(min);
        self.chain_end(chain);
        r
    }

    fn binary_chain(&mut self, min: u8) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        while let Some((level, op)) = self.binary_op() {
            if level < min {
                break;
            }
            self.chain_step();
            left = self.binary_rhs(left, level, op)?;
        }
        Ok(left)
    }

    /// Parses the operator at the cursor and its right side, building the node over `left`.
    fn binary_rhs(&mut self, left: Expr, level: u8, op: BinOp) -> Result<Expr, ParseError> {
        let left = Box::new(left);
        self.pos += 1;
        Ok(match op {
            BinOp::Or => Expr::Or(left, Box::new(self.binary(level + 1)?)),
            BinOp::And => Expr::And(left, Box::new(self.binary(level + 1)?)),
            BinOp::Cmp(op) => Expr::Compare(op, left, Box::new(self.binary(LEVEL_ADD)?)),
            BinOp::Arith(op) => Expr::Arith(op, left, Box::new(self.binary(level + 1)?)),
            BinOp::Between => {
                let lo = self.binary(LEVEL_ADD)?;
                self.expect_word("and")?;
                let hi = self.binary(LEVEL_ADD)?;
                Expr::Between(left, Box::new(lo), Box::new(hi))
            }
            BinOp::In => Expr::In(left, self.in_tests()?),
            BinOp::InstanceOf => {
                self.pos += 1;
                Expr::InstanceOf(left, self.type_ref()?)
            }
        })
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.peek() == &Tok::Minus {
            return self.negation();
        }
        let chain = self.chain_start();
        let r = self.postfix();
        self.chain_end(chain);
        r
    }

    fn negation(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        self.pos += 1;
        let e = self.unary();
        self.leave();
        Ok(match e? {
            Expr::Number(n) => Expr::Number(n.neg()),
            e => Expr::Neg(Box::new(e)),
        })
    }

    /// A primary followed by path steps, filters and invocations (an operator chain).
    fn postfix(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.primary()?;
        loop {
            let step = match self.peek() {
                Tok::Dot => Postfix::Path,
                Tok::LBracket if !self.no_filter => Postfix::Filter,
                Tok::LParen => Postfix::Call,
                _ => return Ok(e),
            };
            self.chain_step();
            self.enter()?;
            self.pos += 1;
            e = match step {
                Postfix::Path => Expr::Path(Box::new(e), self.name()?),
                Postfix::Filter => self.filter(e)?,
                Postfix::Call => Expr::Call(Box::new(e), self.arguments()?),
            };
        }
    }

    fn filter(&mut self, target: Expr) -> Result<Expr, ParseError> {
        let saved = std::mem::replace(&mut self.no_filter, false);
        let f = self.expr();
        self.no_filter = saved;
        let f = f?;
        self.expect(&Tok::RBracket, "']'")?;
        Ok(Expr::Filter(Box::new(target), Box::new(f)))
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
            return self.named_arguments();
        }
        let mut items = vec![self.expr()?];
        while self.eat(&Tok::Comma) {
            items.push(self.expr()?);
        }
        self.expect(&Tok::RParen, "')' after the arguments")?;
        Ok(Args::Positional(items))
    }

    fn named_arguments(&mut self) -> Result<Args, ParseError> {
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
        Ok(Args::Named(named))
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let r = self.primary_inner();
        self.leave();
        r
    }

    /// Dispatches on the first token; each construct has its own (small) function so that
    /// the recursion keeps little on the stack per level.
    fn primary_inner(&mut self) -> Result<Expr, ParseError> {
        match self.peek() {
            Tok::Number(_) => self.number(),
            Tok::Str(_) => self.string(),
            Tok::At => self.at_literal(),
            Tok::LParen => self.parenthesized(),
            Tok::RBracket => self.open_start_range(),
            Tok::LBracket => self.list(),
            Tok::LBrace => self.context(),
            Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge | Tok::Eq | Tok::Ne => self.positive_test(),
            Tok::Name(_) => self.word(),
            _ => Err(self.error(format!("unexpected {}", self.describe()))),
        }
    }
}

/// Precedence levels of binary operators, lowest first.
const LEVEL_OR: u8 = 0;
const LEVEL_AND: u8 = 1;
const LEVEL_CMP: u8 = 2;
const LEVEL_ADD: u8 = 3;
const LEVEL_MUL: u8 = 4;
const LEVEL_POW: u8 = 5;

/// A binary operator found by [`Parser::binary_op`].
#[derive(Clone, Copy)]
enum BinOp {
    Or,
    And,
    Cmp(CmpOp),
    Between,
    In,
    InstanceOf,
    Arith(ArithOp),
}

/// A postfix step: `.name`, `[filter]` or `(arguments)`.
#[derive(Clone, Copy)]
enum Postfix {
    Path,
    Filter,
    Call,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::Number;

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
