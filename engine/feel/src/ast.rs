//! The FEEL abstract syntax tree (names follow the DMN 1.5 grammar, chapter 10.3.1) and its
//! printer. The AST is plain data: it never evaluates anything and holds no runtime values
//! except parsed number literals.

use std::fmt::Write;

use crate::number::Number;

/// Arithmetic operators (grammar rules 20-24).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `**`
    Pow,
}

/// Comparison operators (grammar rule 51).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
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
}

impl CmpOp {
    /// The operator's FEEL text.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// Arguments of a function invocation (grammar rules 40-43).
#[derive(Debug, Clone, PartialEq)]
pub enum Args {
    /// `f(a, b)`
    Positional(Vec<Expr>),
    /// `f(x: a, y: b)`
    Named(Vec<(String, Expr)>),
}

/// A type in `instance of` and function parameter declarations (grammar rule 54).
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// A simple type name such as `number`, `date and time`, `Any`, `Null`, or a user type.
    Named(String),
    /// `list<T>`
    List(Box<Type>),
    /// `range<T>`
    Range(Box<Type>),
    /// `context<k: T, ...>`
    Context(Vec<(String, Type)>),
    /// `function<T, ...> -> T`
    Function(Vec<Type>, Box<Type>),
}

/// One iteration context of `for`, `some` and `every`: `name in source` or `name in a..b`.
#[derive(Debug, Clone, PartialEq)]
pub struct Iteration {
    /// The iteration variable.
    pub name: String,
    /// The list (or first bound) iterated over.
    pub source: Expr,
    /// Upper bound for the `a..b` form.
    pub to: Option<Expr>,
}

/// A FEEL expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// numeric literal
    Number(Number),
    /// string literal (escapes resolved)
    String(String),
    /// `@"..."` temporal (or other) literal
    At(String),
    /// a (possibly multi-word) name, or `?` in unary tests
    Name(String),
    /// `[a, b]`
    List(Vec<Expr>),
    /// `{key: value, ...}`; later entries see earlier ones
    Context(Vec<(String, Expr)>),
    /// interval `[a..b]`, `(a..b]`, `]a..b[`; `None` bound only in built values
    Range {
        /// lower endpoint
        start: Box<Expr>,
        /// whether the lower endpoint is included
        start_closed: bool,
        /// upper endpoint
        end: Box<Expr>,
        /// whether the upper endpoint is included
        end_closed: bool,
    },
    /// simple positive unary test `< e` etc. (a range with one open side)
    UnaryCmp(CmpOp, Box<Expr>),
    /// arithmetic negation `-e`
    Neg(Box<Expr>),
    /// arithmetic `a op b`
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    /// comparison `a op b`
    Compare(CmpOp, Box<Expr>, Box<Expr>),
    /// `a and b`
    And(Box<Expr>, Box<Expr>),
    /// `a or b`
    Or(Box<Expr>, Box<Expr>),
    /// `e between low and high`
    Between(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `e in test` or `e in (test, test)`
    In(Box<Expr>, Vec<Expr>),
    /// `e instance of T`
    InstanceOf(Box<Expr>, Type),
    /// `e.name`
    Path(Box<Expr>, String),
    /// `e[filter]`
    Filter(Box<Expr>, Box<Expr>),
    /// `f(args)`
    Call(Box<Expr>, Args),
    /// `if c then a else b`
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `for i in xs, j in ys return e`
    For(Vec<Iteration>, Box<Expr>),
    /// `some ... satisfies` (`every` = false) / `every ... satisfies` (`every` = true)
    Quantified {
        /// true for `every`
        every: bool,
        /// iteration contexts
        iterations: Vec<Iteration>,
        /// the condition
        satisfies: Box<Expr>,
    },
    /// `function(a, b: number) body`
    Function(Vec<(String, Option<Type>)>, Box<Expr>),
}

/// Unary tests (grammar rules 14-17): the input entries of decision tables.
#[derive(Debug, Clone, PartialEq)]
pub enum Tests {
    /// `-`: matches anything
    Any,
    /// `t1, t2, ...`: matches when one test matches
    Positive(Vec<Expr>),
    /// `not(t1, t2, ...)`
    Not(Vec<Expr>),
}

fn quote(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn print_list(items: &[Expr], out: &mut String) {
    for (i, e) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        e.print(out);
    }
}

fn print_iterations(its: &[Iteration], out: &mut String) {
    for (i, it) in its.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&it.name);
        out.push_str(" in ");
        it.source.print(out);
        if let Some(to) = &it.to {
            out.push_str("..");
            to.print(out);
        }
    }
}

impl Type {
    /// Prints the type in FEEL syntax.
    pub fn print(&self, out: &mut String) {
        match self {
            Type::Named(n) => out.push_str(n),
            Type::List(t) => {
                out.push_str("list<");
                t.print(out);
                out.push('>');
            }
            Type::Range(t) => {
                out.push_str("range<");
                t.print(out);
                out.push('>');
            }
            Type::Context(entries) => {
                out.push_str("context<");
                for (i, (k, t)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(k);
                    out.push_str(": ");
                    t.print(out);
                }
                out.push('>');
            }
            Type::Function(params, ret) => {
                out.push_str("function<");
                for (i, t) in params.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    t.print(out);
                }
                out.push_str("> -> ");
                ret.print(out);
            }
        }
    }
}

impl Expr {
    /// Appends FEEL text for this expression; binary operations are fully parenthesised so the
    /// text parses back to the same tree.
    pub fn print(&self, out: &mut String) {
        match self {
            Expr::Null => out.push_str("null"),
            Expr::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Expr::Number(n) => {
                if n.is_negative() {
                    let _ = write!(out, "({n})");
                } else {
                    let _ = write!(out, "{n}");
                }
            }
            Expr::String(s) => quote(s, out),
            Expr::At(s) => {
                out.push('@');
                quote(s, out);
            }
            Expr::Name(n) => out.push_str(n),
            Expr::List(items) => {
                out.push('[');
                print_list(items, out);
                out.push(']');
            }
            Expr::Context(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    quote(k, out);
                    out.push_str(": ");
                    v.print(out);
                }
                out.push('}');
            }
            Expr::Range {
                start,
                start_closed,
                end,
                end_closed,
            } => {
                out.push(if *start_closed { '[' } else { '(' });
                start.print(out);
                out.push_str("..");
                end.print(out);
                out.push(if *end_closed { ']' } else { ')' });
            }
            Expr::UnaryCmp(op, e) => {
                out.push_str(op.symbol());
                out.push(' ');
                e.print(out);
            }
            Expr::Neg(e) => {
                out.push_str("(-");
                e.print(out);
                out.push(')');
            }
            Expr::Arith(op, a, b) => {
                let sym = match op {
                    ArithOp::Add => " + ",
                    ArithOp::Sub => " - ",
                    ArithOp::Mul => " * ",
                    ArithOp::Div => " / ",
                    ArithOp::Pow => " ** ",
                };
                binary(a, sym, b, out);
            }
            Expr::Compare(op, a, b) => {
                let sym = format!(" {} ", op.symbol());
                binary(a, &sym, b, out);
            }
            Expr::And(a, b) => binary(a, " and ", b, out),
            Expr::Or(a, b) => binary(a, " or ", b, out),
            Expr::Between(e, lo, hi) => {
                out.push('(');
                e.print(out);
                out.push_str(" between ");
                lo.print(out);
                out.push_str(" and ");
                hi.print(out);
                out.push(')');
            }
            Expr::In(e, tests) => {
                out.push('(');
                e.print(out);
                out.push_str(" in (");
                print_list(tests, out);
                out.push_str("))");
            }
            Expr::InstanceOf(e, t) => {
                out.push('(');
                e.print(out);
                out.push_str(" instance of ");
                t.print(out);
                out.push(')');
            }
            Expr::Path(e, name) => {
                postfix_target(e, out);
                out.push('.');
                out.push_str(name);
            }
            Expr::Filter(e, f) => {
                postfix_target(e, out);
                out.push('[');
                f.print(out);
                out.push(']');
            }
            Expr::Call(f, args) => {
                if let Expr::Name(n) = f.as_ref() {
                    out.push_str(n);
                } else {
                    out.push('(');
                    f.print(out);
                    out.push(')');
                }
                out.push('(');
                match args {
                    Args::Positional(items) => print_list(items, out),
                    Args::Named(items) => {
                        for (i, (k, v)) in items.iter().enumerate() {
                            if i > 0 {
                                out.push_str(", ");
                            }
                            out.push_str(k);
                            out.push_str(": ");
                            v.print(out);
                        }
                    }
                }
                out.push(')');
            }
            Expr::If(c, a, b) => {
                out.push_str("(if ");
                c.print(out);
                out.push_str(" then ");
                a.print(out);
                out.push_str(" else ");
                b.print(out);
                out.push(')');
            }
            Expr::For(its, body) => {
                out.push_str("(for ");
                print_iterations(its, out);
                out.push_str(" return ");
                body.print(out);
                out.push(')');
            }
            Expr::Quantified {
                every,
                iterations,
                satisfies,
            } => {
                out.push_str(if *every { "(every " } else { "(some " });
                print_iterations(iterations, out);
                out.push_str(" satisfies ");
                satisfies.print(out);
                out.push(')');
            }
            Expr::Function(params, body) => {
                out.push_str("(function(");
                for (i, (p, t)) in params.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(p);
                    if let Some(t) = t {
                        out.push_str(": ");
                        t.print(out);
                    }
                }
                out.push_str(") ");
                body.print(out);
                out.push(')');
            }
        }
    }
}

/// The target of `.name` or `[filter]`: plain names and postfix chains need no parentheses.
fn postfix_target(e: &Expr, out: &mut String) {
    let plain = match e {
        Expr::Name(n) => n
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == ' '),
        Expr::Path(..) | Expr::Filter(..) | Expr::Call(..) => true,
        _ => false,
    };
    if plain {
        e.print(out);
    } else {
        out.push('(');
        e.print(out);
        out.push(')');
    }
}

fn binary(a: &Expr, op: &str, b: &Expr, out: &mut String) {
    out.push('(');
    a.print(out);
    out.push_str(op);
    b.print(out);
    out.push(')');
}

impl Tests {
    /// Appends FEEL text for these unary tests.
    pub fn print(&self, out: &mut String) {
        match self {
            Tests::Any => out.push('-'),
            Tests::Positive(items) => print_list(items, out),
            Tests::Not(items) => {
                out.push_str("not(");
                print_list(items, out);
                out.push(')');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::parser::parse_expression;

    #[test]
    fn printing_round_trips() {
        for src in [
            "a + b * -c",
            "if x then [1, 2] else {a: \"q\\\"\"}",
            "xs[item > 1].name",
            "f(a: 1)",
            "for i in 1..3 return i",
            "x in (< 3, [1..2))",
            "@\"2026-01-01\"",
            "function(a: list<number>) a",
        ] {
            let e = parse_expression(src, &[]).unwrap();
            let mut out = String::new();
            e.print(&mut out);
            assert_eq!(parse_expression(&out, &[]).unwrap(), e, "{src} -> {out}");
        }
    }
}
