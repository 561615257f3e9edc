//! Compound FEEL constructs for the parser: contexts, unary tests after `in`, interval ends,
//! `if`/`for`/`some`/`every`/`function` expressions and type expressions. Part of the parser;
//! never evaluates anything.

use super::{KEYWORDS, Parser};
use crate::ast::{Expr, Iteration, Type};
use crate::error::ParseError;
use crate::lexer::Tok;

impl Parser<'_> {
    /// A context key written as a name: words joined by one space, or (for keys such as
    /// `foo+bar`) the source text up to the colon with whitespace runs collapsed.
    fn context_key(&mut self) -> String {
        let start = self.pos;
        let mut j = start;
        while matches!(
            self.toks.get(j).map(|t| &t.tok),
            Some(
                Tok::Name(_)
                    | Tok::Number(_)
                    | Tok::Plus
                    | Tok::Minus
                    | Tok::Star
                    | Tok::Slash
                    | Tok::Dot
            )
        ) {
            j += 1;
        }
        let all_words =
            (start..j).all(|k| matches!(self.toks.get(k).map(|t| &t.tok), Some(Tok::Name(_))));
        if !all_words && j > start && matches!(self.toks.get(j).map(|t| &t.tok), Some(Tok::Colon)) {
            let from = self.toks.get(start).map_or(0, |t| t.start);
            let to = self.toks.get(j - 1).map_or(from, |t| t.end);
            self.pos = j;
            let raw = self.src.get(from..to).unwrap_or("");
            return raw.split_whitespace().collect::<Vec<_>>().join(" ");
        }
        let mut words = Vec::new();
        while let Tok::Name(n) = self.peek() {
            words.push(n.clone());
            self.pos += 1;
        }
        words.join(" ")
    }

    pub(super) fn context(&mut self) -> Result<Expr, ParseError> {
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
                Tok::Name(_) => self.context_key(),
                _ => {
                    return Err(
                        self.error(format!("expected a context key, found {}", self.describe()))
                    );
                }
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

    pub(super) fn iterations(&mut self) -> Result<Vec<Iteration>, ParseError> {
        let mut its = Vec::new();
        loop {
            let name = self.name()?;
            self.expect_word("in")?;
            let source = self.expr()?;
            let to = if self.eat(&Tok::DotDot) {
                Some(self.expr()?)
            } else {
                None
            };
            its.push(Iteration { name, source, to });
            if !self.eat(&Tok::Comma) {
                return Ok(its);
            }
        }
    }

    /// A word at the start of a primary: a literal keyword, `if`/`for`/`some`/`every`/
    /// `function`, or a (possibly multi-word) name.
    pub(super) fn word(&mut self) -> Result<Expr, ParseError> {
        if let Some((name, n)) = self.keyword_name()
            && self.peek_at(n) == &Tok::LParen
        {
            self.pos += n;
            return Ok(Expr::Name(name.to_string()));
        }
        let Tok::Name(word) = self.peek() else {
            return Err(self.error("expected a name"));
        };
        match word.as_str() {
            "null" => {
                self.pos += 1;
                Ok(Expr::Null)
            }
            "true" | "false" => {
                let b = word == "true";
                self.pos += 1;
                Ok(Expr::Bool(b))
            }
            "if" => self.if_expr(),
            "for" => self.for_expr(),
            "some" | "every" if matches!(self.peek_at(1), Tok::Name(_)) => self.quantified(),
            "function" if self.peek_at(1) == &Tok::LParen => self.function(),
            w if KEYWORDS.contains(&w) => Err(self.error(format!("unexpected keyword '{w}'"))),
            _ => Ok(Expr::Name(self.name()?)),
        }
    }

    fn if_expr(&mut self) -> Result<Expr, ParseError> {
        self.pos += 1;
        let c = self.expr()?;
        self.expect_word("then")?;
        let a = self.expr()?;
        self.expect_word("else")?;
        let b = self.expr()?;
        Ok(Expr::If(Box::new(c), Box::new(a), Box::new(b)))
    }

    fn for_expr(&mut self) -> Result<Expr, ParseError> {
        self.pos += 1;
        let its = self.iterations()?;
        self.expect_word("return")?;
        Ok(Expr::For(its, Box::new(self.expr()?)))
    }

    fn quantified(&mut self) -> Result<Expr, ParseError> {
        let every = self.is_word("every");
        self.pos += 1;
        let iterations = self.iterations()?;
        self.expect_word("satisfies")?;
        let satisfies = Box::new(self.expr()?);
        Ok(Expr::Quantified {
            every,
            iterations,
            satisfies,
        })
    }

    fn function(&mut self) -> Result<Expr, ParseError> {
        self.pos += 2;
        let mut params = Vec::new();
        if !self.eat(&Tok::RParen) {
            loop {
                let name = self.name()?;
                let t = if self.eat(&Tok::Colon) {
                    Some(self.type_ref()?)
                } else {
                    None
                };
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

    /// A type: `number`, `date and time`, `list<T>`, `context<a: T>`, `function<T> -> T`.
    pub(crate) fn type_ref(&mut self) -> Result<Type, ParseError> {
        self.enter()?;
        let r = self.type_inner();
        self.leave();
        r
    }

    pub(super) fn type_inner(&mut self) -> Result<Type, ParseError> {
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

    /// The right side of `in`: one positive unary test, or a parenthesised list of them.
    pub(super) fn in_tests(&mut self) -> Result<Vec<Expr>, ParseError> {
        if self.peek() == &Tok::LParen {
            let mark = self.mark();
            if let Ok(range) = self.positive_test()
                && matches!(range, Expr::Range { .. })
            {
                return Ok(vec![range]);
            }
            self.reset(mark);
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
    pub(super) fn positive_test(&mut self) -> Result<Expr, ParseError> {
        if let Some(op) = self.cmp_op() {
            self.enter()?;
            self.pos += 1;
            let e = self.binary(super::LEVEL_ADD);
            self.leave();
            return Ok(Expr::UnaryCmp(op, Box::new(e?)));
        }
        self.expr()
    }

    pub(super) fn range_end(
        &mut self,
        start: Expr,
        start_closed: bool,
    ) -> Result<Expr, ParseError> {
        let saved = std::mem::replace(&mut self.no_filter, true);
        let end = self.expr();
        self.no_filter = saved;
        let end = end?;
        let end_closed = match self.peek() {
            Tok::RBracket => true,
            Tok::RParen | Tok::LBracket => false,
            _ => {
                return Err(self.error(format!(
                    "expected ']', ')' or '[' to close the range, found {}",
                    self.describe()
                )));
            }
        };
        self.pos += 1;
        Ok(Expr::Range {
            start: Box::new(start),
            start_closed,
            end: Box::new(end),
            end_closed,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::ast::{Expr, Type};
    use crate::parser::parse_expression;

    #[test]
    fn compound_constructs() {
        assert!(
            matches!(parse_expression("{a: 1, \"b c\": 2, foo+bar: 3}", &[]).unwrap(), Expr::Context(e) if e.len() == 3 && e[2].0 == "foo+bar")
        );
        assert!(
            matches!(parse_expression("for i in 1..3, j in xs return i", &[]).unwrap(), Expr::For(its, _) if its.len() == 2)
        );
        assert!(matches!(
            parse_expression("every x in xs satisfies x > 1", &[]).unwrap(),
            Expr::Quantified { every: true, .. }
        ));
        let f = parse_expression("function(a: number, b) a + b", &[]).unwrap();
        assert!(matches!(f, Expr::Function(p, _) if p[0].1 == Some(Type::Named("number".into()))));
        let t = parse_expression(
            "x instance of function<number, string> -> context<a: date and time>",
            &[],
        )
        .unwrap();
        assert!(matches!(t, Expr::InstanceOf(_, Type::Function(p, _)) if p.len() == 2));
    }
}
