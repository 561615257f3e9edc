//! Problems found while parsing and validating a BPMN document.
//!
//! A diagnostic always names where it is (1-based line and column in the XML) and, when known,
//! the BPMN element id, so a modeller can find it. It never carries XML types.

use std::fmt;

/// How bad a problem is: an error prevents deployment, a warning does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The document or process cannot be deployed.
    Error,
    /// Worth fixing, but the process can run.
    Warning,
}

impl Severity {
    /// `error` or `warning`, as printed by `keel validate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem in a BPMN document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// 1-based line of the element (or of the XML error).
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// The `id` of the BPMN element concerned, when it has one.
    pub element_id: Option<String>,
    /// Human-readable explanation, lowercase, without trailing period.
    pub message: String,
}

impl Diagnostic {
    /// An error at `position` about `element_id`.
    pub fn error(position: Position, element_id: Option<&str>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, position, element_id, message)
    }

    /// A warning at `position` about `element_id`.
    pub fn warning(
        position: Position,
        element_id: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Warning, position, element_id, message)
    }

    fn new(
        severity: Severity,
        position: Position,
        element_id: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            line: position.line,
            column: position.column,
            element_id: element_id.map(str::to_owned),
            message: message.into(),
        }
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `LINE:COLUMN: error|warning: [ELEMENT_ID] message` (the file name is prefixed by callers).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: ",
            self.line,
            self.column,
            self.severity.as_str()
        )?;
        if let Some(id) = &self.element_id {
            write!(f, "[{id}] ")?;
        }
        f.write_str(&self.message)
    }
}

/// A 1-based line and column in the source XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
}
