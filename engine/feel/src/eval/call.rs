//! Function invocation for the evaluator: argument evaluation, built-in dispatch, and calls of
//! user-defined functions (parameter binding by position or name, declared parameter types,
//! closure scopes). Never resolves anything outside the evaluator's scopes and variables.

use super::{ArgVals, Evaluator, notes};
use crate::EvalError;
use crate::ast::{Args, Expr};
use crate::builtins;
use crate::limits::MAX_CALL_DEPTH;
use crate::types;
use crate::value::{Closure, Context, Function, Value};

/// `function(a, b)` for messages.
fn signature(c: &Closure) -> String {
    let names: Vec<&str> = c.params.iter().map(|(n, _)| n.as_str()).collect();
    format!("function({})", names.join(", "))
}

impl Evaluator<'_, '_> {
    pub(super) fn call(&mut self, callee: &Expr, args: &Args) -> Result<Value, EvalError> {
        let f = match callee {
            Expr::Name(n) => self.function_named(n)?,
            _ => self.eval(callee)?,
        };
        let vals = self.arguments(args)?;
        match f {
            Value::Function(func) => self.apply(&func, vals),
            Value::Null => Ok(Value::Null),
            other => {
                self.note_not_function(callee, &other);
                Ok(Value::Null)
            }
        }
    }

    /// The callee `n` of `n(...)`, noting (with a suggestion) when nothing has that name.
    fn function_named(&mut self, n: &str) -> Result<Value, EvalError> {
        self.charge(1)?;
        let f = self.lookup(n);
        if f.is_none() && self.noting() {
            let m = format!("no function named '{n}'{}", self.suggestion(n, true));
            self.note(m);
        }
        Ok(f.unwrap_or(Value::Null))
    }

    fn note_not_function(&mut self, callee: &Expr, v: &Value) {
        if self.noting() {
            self.note(format!("{} is not a function", notes::operand(callee, v)));
        }
    }

    fn arguments(&mut self, args: &Args) -> Result<ArgVals, EvalError> {
        Ok(match args {
            Args::Positional(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.eval(i)?);
                }
                ArgVals::Positional(out)
            }
            Args::Named(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (k, i) in items {
                    out.push((k.clone(), self.eval(i)?));
                }
                ArgVals::Named(out)
            }
        })
    }

    /// Calls a function value with evaluated arguments.
    pub fn apply(&mut self, f: &Function, args: ArgVals) -> Result<Value, EvalError> {
        self.charge(1)?;
        match f {
            Function::Builtin(name) => builtins::call(self, name, args),
            Function::User(c) => self.apply_user(c, args),
        }
    }

    /// Binds the arguments of a user-defined function to its parameters; `None` (with a note)
    /// when they do not fit.
    fn bind_user(&mut self, c: &Closure, args: ArgVals) -> Option<Context> {
        let mut frame = Context::new();
        match args {
            ArgVals::Positional(vals) => {
                if vals.len() != c.params.len() {
                    if self.noting() {
                        self.note(format!(
                            "{} takes {} arguments, not {}",
                            signature(c),
                            c.params.len(),
                            vals.len()
                        ));
                    }
                    return None;
                }
                for ((p, _), v) in c.params.iter().zip(vals) {
                    frame.insert(p.clone(), v);
                }
            }
            ArgVals::Named(vals) => {
                for (p, _) in &c.params {
                    frame.insert(p.clone(), Value::Null);
                }
                for (k, v) in vals {
                    if !c.params.iter().any(|(p, _)| *p == k) {
                        if self.noting() {
                            self.note(format!("{} has no parameter '{k}'", signature(c)));
                        }
                        return None;
                    }
                    frame.insert(k, v);
                }
            }
        }
        for (p, t) in &c.params {
            if let (Some(t), Some(v)) = (t, frame.get(p))
                && !matches!(v, Value::Null)
                && !types::instance_of(v, t)
            {
                if self.noting() {
                    let mut ty = String::new();
                    t.print(&mut ty);
                    let m = format!(
                        "argument '{p}' of {} is {}, not a {ty}",
                        signature(c),
                        v.describe()
                    );
                    self.note(m);
                }
                return None;
            }
        }
        Some(frame)
    }

    fn apply_user(&mut self, c: &Closure, args: ArgVals) -> Result<Value, EvalError> {
        let Some(frame) = self.bind_user(c, args) else {
            return Ok(Value::Null);
        };
        if self.calls >= MAX_CALL_DEPTH {
            return Err(EvalError::new(format!(
                "calls of user-defined functions nested deeper than {MAX_CALL_DEPTH} levels \
                 (unbounded recursion?) in {}",
                signature(c)
            )));
        }
        self.calls += 1;
        self.frames.push(c.captured.clone());
        self.frames.push(frame);
        let r = self.eval(&c.body);
        self.frames.pop();
        self.frames.pop();
        self.calls -= 1;
        r
    }

    /// Calls a function value with positional arguments (for higher-order built-ins).
    pub fn call_value(&mut self, f: &Value, args: Vec<Value>) -> Result<Value, EvalError> {
        match f {
            Value::Function(f) => self.apply(f, ArgVals::Positional(args)),
            _ => Ok(Value::Null),
        }
    }
}
