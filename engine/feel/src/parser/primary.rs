//! Primaries of the FEEL parser that start with a literal token: numbers, strings, `@"..."`
//! temporal literals, parenthesised expressions, lists and ranges. Part of the parser; never
//! evaluates anything.

use super::Parser;
use crate::ast::Expr;
use crate::error::ParseError;
use crate::lexer::Tok;
use crate::number::Number;

impl Parser<'_> {
    pub(super) fn number(&mut self) -> Result<Expr, ParseError> {
        let Tok::Number(text) = self.peek() else {
            return Err(self.error("expected a number"));
        };
        let n =
            Number::parse(text).ok_or_else(|| self.error(format!("number {text} out of range")));
        self.pos += 1;
        Ok(Expr::Number(n?))
    }

    pub(super) fn string(&mut self) -> Result<Expr, ParseError> {
        let Tok::Str(s) = self.peek() else {
            return Err(self.error("expected a string"));
        };
        let s = s.clone();
        self.pos += 1;
        Ok(Expr::String(s))
    }

    pub(super) fn at_literal(&mut self) -> Result<Expr, ParseError> {
        self.pos += 1;
        let Tok::Str(s) = self.peek() else {
            return Err(self.error("expected a string literal after '@'"));
        };
        let s = s.clone();
        self.pos += 1;
        Ok(Expr::At(s))
    }

    pub(super) fn parenthesized(&mut self) -> Result<Expr, ParseError> {
        self.pos += 1;
        let e = self.expr()?;
        if self.eat(&Tok::DotDot) {
            return self.range_end(e, false);
        }
        self.expect(&Tok::RParen, "')'")?;
        Ok(e)
    }

    pub(super) fn open_start_range(&mut self) -> Result<Expr, ParseError> {
        self.pos += 1;
        let start = self.expr()?;
        self.expect(&Tok::DotDot, "'..'")?;
        self.range_end(start, false)
    }

    pub(super) fn list(&mut self) -> Result<Expr, ParseError> {
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
}
