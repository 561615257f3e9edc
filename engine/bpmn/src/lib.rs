//! BPMN 2.0 XML → immutable executable process model.
//!
//! `parse` reads the XML of one `definitions` document with namespaces resolved, builds one
//! [`ProcessDefinition`] per process and reports every problem it finds as a [`Diagnostic`]
//! with line, column and element id. It never panics and never performs I/O: it takes bytes.
//! The model is pure data, immutable after parsing; the runtime (crate `keel-engine`) executes
//! it. XML types never leave this crate.

pub mod cron;
pub mod diagnostic;
pub mod expression;
pub mod model;
pub mod parse;

pub use diagnostic::{Diagnostic, Position, Severity};
pub use expression::{Expression, Text};
pub use model::*;
pub use parse::{Parsed, parse};
