//! JUEL expression grammar → [`Expr`] trees, and composite text → parts.
//!
//! Precedence, lowest first: `?:`, `|| or`, `&& and`, `== != eq ne`, `< > <= >= lt gt le ge`,
//! `+ -`, `* / div % mod`, unary `- ! not empty`, then property access, index and the few
//! allowed `execution` method calls. Any other call is refused here, at deploy, so that nothing
//! can call host code. Nesting (including operator chains) is capped by
//! [`MAX_PARSE_DEPTH`](crate::limits::MAX_PARSE_DEPTH) the same way as in the FEEL parser:
//! `depth` counts levels entered (primaries, unary operators), and each further operator of a
//! chain continues from the deepest level reached so far (`peak`), so `depth` bounds the height
//! of the tree built and the evaluator's recursion.

use super::lexer::{Tok, Token, lex};
use crate::limits::MAX_PARSE_DEPTH;
use crate::{ParseError, Value};

/// The message for a refused call of `callee`. It starts with the sentence earlier versions
/// used, which callers match on.
fn refused(callee: &str) -> String {
    format!(
        "method calls are not supported in keel (only execution.getVariable, \
         getProcessBusinessKey, getProcessInstanceId); use FEEL: {callee}(...) would run code, \
         and keel never runs code from expressions (execution.hasVariable(name) and \
         getBusinessKey() are accepted too); compute the value into a process variable"
    )
}

/// The text of `e` for a message.
fn shown(e: &Expr) -> String {
    let mut out = String::new();
    super::print::print(e, &mut out);
    crate::explain::shorten(&out)
}

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
    /// `execution.hasVariable(name)`.
    HasVariable(Box<Expr>),
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
                peak: 0,
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
    peak: usize,
}

/// Depth state saved at the start of an operator chain.
struct Chain {
    depth: usize,
    peak: usize,
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
        self.peak = self.peak.max(self.depth);
        if self.depth > MAX_PARSE_DEPTH {
            return Err(self.err(format!(
                "expression is nested too deeply (more than {MAX_PARSE_DEPTH} levels of \
                 parentheses, unary operators and operator chains)"
            )));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn chain_start(&mut self) -> Chain {
        let saved = Chain {
            depth: self.depth,
            peak: self.peak,
        };
        self.peak = self.depth;
        saved
    }

    /// Before the next operator of a chain: the new node sits above everything parsed so far.
    fn chain_step(&mut self) {
        self.depth = self.peak;
    }

    fn chain_end(&mut self, saved: Chain) {
        self.depth = saved.depth;
        self.peak = self.peak.max(saved.peak);
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        let chain = self.chain_start();
        let r = self.ternary();
        self.chain_end(chain);
        r
    }

    fn ternary(&mut self) -> Result<Expr, ParseError> {
        let c = self.binary(0)?;
        if !self.is_punct("?") {
            return Ok(c);
        }
        self.cond(c)
    }

    /// `c ? a : b` with the cursor on `?`.
    fn cond(&mut self, c: Expr) -> Result<Expr, ParseError> {
        self.pos += 1;
        self.chain_step();
        let a = self.expr()?;
        self.expect(":")?;
        let b = self.expr()?;
        Ok(Expr::Cond(Box::new(c), Box::new(a), Box::new(b)))
    }

    /// The binary operator at the cursor and its precedence level (0 = or ... 5 =
    /// multiplicative).
    fn op(&self) -> Option<(usize, BinOp)> {
        let (p, w) = match self.peek() {
            Tok::Punct(p) => (*p, ""),
            Tok::Ident(w) => ("", w.as_str()),
            _ => return None,
        };
        Some(match (p, w) {
            ("||", _) | (_, "or") => (0, BinOp::Or),
            ("&&", _) | (_, "and") => (1, BinOp::And),
            ("==", _) | (_, "eq") => (2, BinOp::Eq),
            ("!=", _) | (_, "ne") => (2, BinOp::Ne),
            ("<", _) | (_, "lt") => (3, BinOp::Lt),
            (">", _) | (_, "gt") => (3, BinOp::Gt),
            ("<=", _) | (_, "le") => (3, BinOp::Le),
            (">=", _) | (_, "ge") => (3, BinOp::Ge),
            ("+", _) => (4, BinOp::Add),
            ("-", _) => (4, BinOp::Sub),
            ("*", _) => (5, BinOp::Mul),
            ("/", _) | (_, "div") => (5, BinOp::Div),
            ("%", _) | (_, "mod") => (5, BinOp::Mod),
            _ => return None,
        })
    }

    /// Operators of precedence `min` and higher, left associative (precedence climbing).
    fn binary(&mut self, min: usize) -> Result<Expr, ParseError> {
        let chain = self.chain_start();
        let r = self.binary_chain(min);
        self.chain_end(chain);
        r
    }

    fn binary_chain(&mut self, min: usize) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        while let Some((level, op)) = self.op() {
            if level < min {
                break;
            }
            self.pos += 1;
            self.chain_step();
            let right = self.binary(level + 1)?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
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
        self.enter()?;
        self.pos += 1;
        let inner = self.unary();
        self.leave();
        Ok(wrap(Box::new(inner?)))
    }

    fn postfix(&mut self) -> Result<Expr, ParseError> {
        let chain = self.chain_start();
        let r = self.postfix_chain();
        self.chain_end(chain);
        r
    }

    /// A primary followed by property steps, indexes and the allowed method calls.
    fn postfix_chain(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.primary()?;
        loop {
            if self.is_punct(".") {
                self.chain_step();
                self.enter()?;
                e = self.property(e)?;
            } else if self.is_punct("[") {
                self.chain_step();
                self.enter()?;
                e = self.index(e)?;
            } else if self.is_punct("(") {
                return Err(self.err(refused(&shown(&e))));
            } else {
                return Ok(e);
            }
        }
    }

    /// `base.name` or an allowed `execution` accessor, with the cursor on `.`.
    fn property(&mut self, base: Expr) -> Result<Expr, ParseError> {
        self.pos += 1;
        let name = match self.bump() {
            Tok::Ident(n) => n,
            t => {
                self.pos -= 1;
                return Err(self.err(format!("expected a property name, found {}", describe(&t))));
            }
        };
        let execution = base == Expr::Var("execution".into());
        Ok(match name.as_str() {
            _ if self.is_punct("(") => self.method(base, &name)?,
            "processBusinessKey" | "businessKey" if execution => Expr::BusinessKey,
            "processInstanceId" if execution => Expr::InstanceId,
            _ => Expr::Index(Box::new(base), Box::new(Expr::Lit(Value::String(name)))),
        })
    }

    /// `base[index]` with the cursor on `[`.
    fn index(&mut self, base: Expr) -> Result<Expr, ParseError> {
        self.pos += 1;
        let index = self.expr()?;
        self.expect("]")?;
        Ok(Expr::Index(Box::new(base), Box::new(index)))
    }

    /// `base.name(...)` with the cursor on `(`.
    fn method(&mut self, base: Expr, name: &str) -> Result<Expr, ParseError> {
        let callee = format!("{}.{name}", shown(&base));
        if base != Expr::Var("execution".into()) {
            return Err(self.err(refused(&callee)));
        }
        self.pos += 1;
        let e = match name {
            "getVariable" => Expr::GetVariable(Box::new(self.expr()?)),
            "hasVariable" => Expr::HasVariable(Box::new(self.expr()?)),
            "getProcessBusinessKey" | "getBusinessKey" => Expr::BusinessKey,
            "getProcessInstanceId" => Expr::InstanceId,
            _ => return Err(self.err(refused(&callee))),
        };
        if !self.is_punct(")") {
            return Err(self.err(refused(&callee)));
        }
        self.pos += 1;
        Ok(e)
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let r = self.primary_inner();
        self.leave();
        r
    }

    /// Dispatches on the first token; the recursive case (parentheses) keeps little on the
    /// stack.
    fn primary_inner(&mut self) -> Result<Expr, ParseError> {
        match self.peek() {
            Tok::Punct("(") => self.parenthesized(),
            Tok::Ident(_) => self.identifier(),
            _ => self.literal(),
        }
    }

    fn parenthesized(&mut self) -> Result<Expr, ParseError> {
        self.pos += 1;
        let e = self.expr()?;
        self.expect(")")?;
        Ok(e)
    }

    fn literal(&mut self) -> Result<Expr, ParseError> {
        Ok(match self.bump() {
            Tok::Int(s) | Tok::Dec(s) => match crate::Number::parse(&s) {
                Some(n) => Expr::Lit(Value::Number(n)),
                None => {
                    self.pos -= 1;
                    return Err(self.err(format!("number {s} is out of range")));
                }
            },
            Tok::Str(s) => Expr::Lit(Value::String(s)),
            t => {
                self.pos -= 1;
                return Err(self.err(format!("unexpected {}", describe(&t))));
            }
        })
    }

    /// A literal keyword or a variable; `ns:function(...)` is refused.
    fn identifier(&mut self) -> Result<Expr, ParseError> {
        let Tok::Ident(w) = self.bump() else {
            self.pos -= 1;
            return Err(self.err("expected a name"));
        };
        Ok(match w.as_str() {
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
                    && let Some(Tok::Ident(f)) = at(1)
                    && at(2) == Some(&Tok::Punct("("))
                {
                    // `ns:function(...)`: a JUEL function call.
                    return Err(self.err(refused(&format!("{w}:{f}"))));
                }
                Expr::Var(w)
            }
        })
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
                e.message
                    .starts_with("method calls are not supported in keel"),
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
