//! Function invocation for the evaluator: argument evaluation, built-in dispatch, and calls of
//! user-defined functions (parameter binding by position or name, declared parameter types,
//! closure scopes). Never resolves anything outside the evaluator's scopes and variables.

use super::{ArgVals, Evaluator};
use crate::EvalError;
use crate::ast::{Args, Expr};
use crate::builtins;
use crate::types;
use crate::value::{Context, Function, Value};

impl Evaluator<'_, '_> {
    #[inline(never)]
    pub(super) fn call(&mut self, callee: &Expr, args: &Args) -> Result<Value, EvalError> {
        let f = self.eval(callee)?;
        let vals = match args {
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
        };
        match f {
            Value::Function(f) => self.apply(&f, vals),
            _ => Ok(Value::Null),
        }
    }

    /// Calls a function value with evaluated arguments.
    pub fn apply(&mut self, f: &Function, args: ArgVals) -> Result<Value, EvalError> {
        self.charge(1)?;
        match f {
            Function::Builtin(name) => builtins::call(self, name, args),
            Function::User(c) => {
                let mut frame = Context::new();
                match args {
                    ArgVals::Positional(vals) => {
                        if vals.len() != c.params.len() {
                            return Ok(Value::Null);
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
                                return Ok(Value::Null);
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
                        return Ok(Value::Null);
                    }
                }
                self.frames.push(c.captured.clone());
                self.frames.push(frame);
                let r = self.eval(&c.body);
                self.frames.pop();
                self.frames.pop();
                r
            }
        }
    }

    /// Calls a function value with positional arguments (for higher-order built-ins).
    pub fn call_value(&mut self, f: &Value, args: Vec<Value>) -> Result<Value, EvalError> {
        match f {
            Value::Function(f) => self.apply(f, ArgVals::Positional(args)),
            _ => Ok(Value::Null),
        }
    }
}
