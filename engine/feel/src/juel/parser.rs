//! JUEL expression grammar → [`Expr`] trees, and composite text → parts.
//!
//! Precedence, lowest first: `?:`, `|| or`, `&& and`, `== != eq ne`, `< > <= >= lt gt le ge`,
//! `+ -`, `* / div % mod`, unary `- ! not empty`, then property access, index and the few
//! allowed `execution` method calls. Any other call is refused here, at deploy, so that nothing
//! can call host code. Nesting (including operator chains) is capped by [`MAX_DEPTH`].

use super::lexer::{Tok, Token, lex};
use crate::{ParseError, Value};

/// Deepest nesting accepted (parentheses, unary operators, operator chains).
pub(crate) const MAX_DEPTH: usize = 150;

const METHOD_CALLS: &str = "method calls are not supported in keel (only execution.getVariable, getProcessBusinessKey, getProcessInstanceId); use FEEL";

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    And,
    Or,
}

/// A JUEL expression tree.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    /// A literal.
    Lit(Value),
    /// A variable reference.
    Var(String),
    /// `base.name` or `base[index]`.
    Index(Box<Expr>, Box<Expr>),
    /// Unary minus.
    Neg(Box<Expr>),
    /// `!x`, `not x`.
    Not(Box<Expr>),
    /// `empty x`.
    Empty(Box<Expr>),
    /// A binary operator.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `c ? a : b`.
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `execution.getVariable(name)`.
    GetVariable(Box<Expr>),
    /// `execution.getProcessBusinessKey()`: the variable `__business_key`, else null.
    BusinessKey,
    /// `execution.getProcessInstanceId()`: the variable `__instance_id`, else null.
    InstanceId,
}

/// A piece of composite text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Part {
    /// Literal text.
    Text(String),
    /// An embedded `${...}` or `#{...}`.
    Expr(Expr),
}

/// Splits `src` into literal text and embedded expressions.
pub(crate) fn parse_template(src: &str) -> Result<Vec<Part>, ParseError> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while let Some(c) = src.get(i..).and_then(|r| r.chars().next()) {
        let rest = src.get(i..).unwrap_or_default();
        if c == '\\' && (rest.starts_with("\\${") || rest.starts_with("\\#{")) {
            text.push_str(rest.get(1..3).unwrap_or_default());
            i += 3;
            continue;
        }
        if rest.starts_with("${") || rest.starts_with("#{") {
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            let (tokens, next) = lex(src, i + 2)?;
            let mut p = Parser {
                src,
                tokens,
                pos: 0,
                depth: 0,
            };
            let e = p.expr()?;
            match p.peek() {
                Tok::End => {}
                t => return Err(p.err(format!("unexpected {}", describe(t)))),
            }
            parts.push(Part::Expr(e));
            i = next;
            continue;
        }
        text.push(c);
        i += c.len_utf8();
    }
    if !text.is_empty() || parts.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(parts)
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Int(s) | Tok::Dec(s) => format!("number {s}"),
        Tok::Str(_) => "string literal".to_owned(),
        Tok::Ident(s) => format!("'{s}'"),
        Tok::Punct(p) => format!("'{p}'"),
        Tok::End => "end of expression".to_owned(),
    }
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        self.tokens.get(self.pos).map_or(&Tok::End, |t| &t.tok)
    }

    fn offset(&self) -> usize {
        self.tokens
            .get(self.pos)
            .map_or(self.src.len(), |t| t.offset)
    }

    fn err(&self, msg: impl Into<String>) -> ParseError {
        ParseError::at(self.src, self.offset(), msg)
    }

    fn bump(&mut self) -> Tok {
        let t = self.peek().clone();
        self.pos += 1;
        t
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Tok::Punct(q) if *q == p)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Tok::Ident(q) if q == w)
    }

    fn expect(&mut self, p: &str) -> Result<(), ParseError> {
        if self.is_punct(p) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(format!("expected '{p}', found {}", describe(self.peek()))))
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("expression is nested too deeply"));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let r = crate::limits::with_stack(|| self.ternary());
        self.depth -= 1;
        r
    }

    fn ternary(&mut self) -> Result<Expr, ParseError> {
        let c = self.binary(0)?;
        if !self.is_punct("?") {
            return Ok(c);
        }
        self.pos += 1;
        let a = self.expr()?;
        self.expect(":")?;
        let b = self.expr()?;
        Ok(Expr::Cond(Box::new(c), Box::new(a), Box::new(b)))
    }

    /// The operator at the cursor for precedence `level` (0 = or ... 5 = multiplicative).
    fn op(&self, level: usize) -> Option<BinOp> {
        let (p, w) = match self.peek() {
            Tok::Punct(p) => (*p, ""),
            Tok::Ident(w) => ("", w.as_str()),
            _ => return None,
        };
        let op = match (level, p, w) {
            (0, "||", _) | (0, _, "or") => BinOp::Or,
            (1, "&&", _) | (1, _, "and") => BinOp::And,
            (2, "==", _) | (2, _, "eq") => BinOp::Eq,
            (2, "!=", _) | (2, _, "ne") => BinOp::Ne,
            (3, "<", _) | (3, _, "lt") => BinOp::Lt,
            (3, ">", _) | (3, _, "gt") => BinOp::Gt,
            (3, "<=", _) | (3, _, "le") => BinOp::Le,
            (3, ">=", _) | (3, _, "ge") => BinOp::Ge,
            (4, "+", _) => BinOp::Add,
            (4, "-", _) => BinOp::Sub,
            (5, "*", _) => BinOp::Mul,
            (5, "/", _) | (5, _, "div") => BinOp::Div,
            (5, "%", _) | (5, _, "mod") => BinOp::Mod,
            _ => return None,
        };
        Some(op)
    }

    fn binary(&mut self, level: usize) -> Result<Expr, ParseError> {
        if level > 5 {
            return self.unary();
        }
        let saved = self.depth;
        let mut left = self.binary(level + 1)?;
        while let Some(op) = self.op(level) {
            self.pos += 1;
            self.enter()?;
            let right = self.binary(level + 1)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
        self.depth = saved;
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        let wrap: fn(Box<Expr>) -> Expr = if self.is_punct("-") {
            Expr::Neg
        } else if self.is_punct("!") || self.is_word("not") {
            Expr::Not
        } else if self.is_word("empty") {
            Expr::Empty
        } else {
            return self.postfix();
        };
        self.pos += 1;
        self.enter()?;
        let inner = crate::limits::with_stack(|| self.unary());
        self.depth -= 1;
        Ok(wrap(Box::new(inner?)))
    }

    fn postfix(&mut self) -> Result<Expr, ParseError> {
        let saved = self.depth;
        let mut e = self.primary()?;
        loop {
            if self.is_punct(".") {
                self.pos += 1;
                let name = match self.bump() {
                    Tok::Ident(n) => n,
                    t => {
                        self.pos -= 1;
                        return Err(
                            self.err(format!("expected a property name, found {}", describe(&t)))
                        );
                    }
                };
                if self.is_punct("(") {
                    e = self.method(e, &name)?;
                } else if e == Expr::Var("execution".into()) && name == "processBusinessKey" {
                    e = Expr::BusinessKey;
                } else if e == Expr::Var("execution".into()) && name == "processInstanceId" {
                    e = Expr::InstanceId;
                } else {
                    e = Expr::Index(Box::new(e), Box::new(Expr::Lit(Value::String(name))));
                }
            } else if self.is_punct("[") {
                self.pos += 1;
                let index = self.expr()?;
                self.expect("]")?;
                e = Expr::Index(Box::new(e), Box::new(index));
            } else if self.is_punct("(") {
                return Err(self.err(METHOD_CALLS));
            } else {
                break;
            }
            self.enter()?;
        }
        self.depth = saved;
        Ok(e)
    }

    /// `base.name(...)` with the cursor on `(`.
    fn method(&mut self, base: Expr, name: &str) -> Result<Expr, ParseError> {
        if base != Expr::Var("execution".into()) {
            return Err(self.err(METHOD_CALLS));
        }
        self.pos += 1;
        let e = match name {
            "getVariable" => {
                let arg = self.expr()?;
                Expr::GetVariable(Box::new(arg))
            }
            "getProcessBusinessKey" => Expr::BusinessKey,
            "getProcessInstanceId" => Expr::InstanceId,
            _ => return Err(self.err(METHOD_CALLS)),
        };
        if !self.is_punct(")") {
            return Err(self.err(METHOD_CALLS));
        }
        self.pos += 1;
        Ok(e)
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let e = match self.bump() {
            Tok::Int(s) | Tok::Dec(s) => match crate::Number::parse(&s) {
                Some(n) => Expr::Lit(Value::Number(n)),
                None => {
                    self.pos -= 1;
                    return Err(self.err(format!("number {s} is out of range")));
                }
            },
            Tok::Str(s) => Expr::Lit(Value::String(s)),
            Tok::Ident(w) => match w.as_str() {
                "true" => Expr::Lit(Value::Bool(true)),
                "false" => Expr::Lit(Value::Bool(false)),
                "null" => Expr::Lit(Value::Null),
                "and" | "or" | "not" | "eq" | "ne" | "lt" | "gt" | "le" | "ge" | "div" | "mod"
                | "empty" | "instanceof" => {
                    self.pos -= 1;
                    return Err(self.err(format!("unexpected keyword '{w}'")));
                }
                _ => {
                    let at = |k: usize| self.tokens.get(self.pos + k).map(|t| &t.tok);
                    if self.is_punct(":")
                        && matches!(at(1), Some(Tok::Ident(_)))
                        && at(2) == Some(&Tok::Punct("("))
                    {
                        // `ns:function(...)`: a JUEL function call.
                        return Err(self.err(METHOD_CALLS));
                    }
                    Expr::Var(w)
                }
            },
            Tok::Punct("(") => {
                let e = self.expr()?;
                self.expect(")")?;
                e
            }
            t => {
                self.pos -= 1;
                return Err(self.err(format!("unexpected {}", describe(&t))));
            }
        };
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Expr {
        match parse_template(src).unwrap().as_slice() {
            [Part::Expr(e)] => e.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn precedence() {
        let e = one("${a + b * c == d || e}");
        let Expr::Binary(BinOp::Or, l, _) = e else {
            panic!()
        };
        let Expr::Binary(BinOp::Eq, l, _) = *l else {
            panic!()
        };
        assert!(matches!(*l, Expr::Binary(BinOp::Add, _, _)));
    }

    #[test]
    fn keyword_operators() {
        assert!(matches!(
            one("${a gt 1 and not b}"),
            Expr::Binary(BinOp::And, _, _)
        ));
        assert!(matches!(
            one("${x mod 2 eq 0}"),
            Expr::Binary(BinOp::Eq, _, _)
        ));
    }

    #[test]
    fn composite_parts() {
        let p = parse_template("Dear ${name}, \\${x} #{a}").unwrap();
        assert_eq!(p.len(), 4);
        assert_eq!(p[2], Part::Text(", ${x} ".into()));
    }

    #[test]
    fn method_calls_are_refused() {
        for s in [
            "${foo()}",
            "${a.b()}",
            "${execution.setVariable('a', 1)}",
            "${dateTime().toDate()}",
            "${fn:len(a)}",
            "${execution.getVariable('a', 2)}",
        ] {
            let e = parse_template(s).unwrap_err();
            assert!(
                e.message.starts_with("method calls are not supported"),
                "{s}: {e}"
            );
        }
        assert_eq!(
            one("${execution.getProcessBusinessKey()}"),
            Expr::BusinessKey
        );
        assert_eq!(one("${execution.processInstanceId}"), Expr::InstanceId);
    }

    #[test]
    fn errors_have_positions() {
        let e = parse_template("ab ${a +}").unwrap_err();
        assert_eq!(e.offset, 8);
        assert!(parse_template("${a b}").is_err());
        assert!(parse_template("${}").is_err());
        assert!(parse_template("${a").is_err());
    }

    #[test]
    fn depth_is_limited() {
        let deep = format!("${{{}1{}}}", "(".repeat(1000), ")".repeat(1000));
        assert!(
            parse_template(&deep)
                .unwrap_err()
                .message
                .contains("nested too deeply")
        );
        let chain = format!("${{1{}}}", " + 1".repeat(1000));
        assert!(parse_template(&chain).is_err());
        let neg = format!("${{{}1}}", "-".repeat(1000));
        assert!(parse_template(&neg).is_err());
        let idx = format!("${{a{}}}", ".b".repeat(1000));
        assert!(parse_template(&idx).is_err());
    }
}
