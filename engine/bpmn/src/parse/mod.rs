//! Parsing entry point: bytes → [`Parsed`] (processes plus every problem found).
//!
//! The pipeline is `encoding` (bytes → text) → `reader` (text → raw element tree, every
//! XML-level check) → `build` (tree → model, with `events`, `extensions` and `expr`) →
//! `validate` (structural rules over the built model). Any XML-level error stops the pipeline
//! and is the only diagnostic; semantic problems are all collected. Nothing here performs I/O,
//! evaluates an expression or panics.
//!
//! Decisions worth knowing:
//! - Every recognised flow node is in the model; those not executed yet are
//!   [`FlowNodeKind::Unsupported`](crate::model::FlowNodeKind::Unsupported) (an error in an
//!   executable process, silent in a non-executable one), so references to them still resolve.
//! - Invalid BPMN (duplicate ids, dangling references, wrong root) is an error in any process;
//!   execution rules, dialect refusals and warnings only apply to executable processes
//!   (`isExecutable` absent counts as executable).
//! - A `sequenceFlow` without an id gets `sequenceFlow@LINE:COLUMN`.
//! - A condition without `language` uses `definitions expressionLanguage` when given, else FEEL;
//!   a definitions-level XPath (the spec's default, written out by modelers) is ignored, as
//!   Camunda 7 ignores it.
//! - Diagnostics are sorted by position and each message is one line (line breaks escaped).

mod build;
mod call;
mod context;
mod continuations;
mod data;
mod encoding;
mod errors;
mod events;
mod expr;
mod extensions;
mod forms;
mod initiator;
mod loops;
mod message_throw;
mod message_waits;
mod multiple;
mod position;
mod reach;
mod reader;
mod resolve;
mod script;
mod tree;
mod validate;

use crate::diagnostic::Diagnostic;
use crate::model::ProcessDefinition;

/// The result of parsing one BPMN document.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// One per `process` element, in document order.
    pub processes: Vec<ProcessDefinition>,
    /// Every problem found, errors and warnings, in document order.
    pub diagnostics: Vec<Diagnostic>,
    /// True when the document was read as well-formed XML (encoding, syntax, entities, no
    /// DOCTYPE). When false, `diagnostics` holds exactly that one XML-level error and
    /// `processes` is empty.
    pub well_formed: bool,
}

impl Parsed {
    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }
}

/// Parses and validates a BPMN 2.0 document.
pub fn parse(xml: &[u8]) -> Parsed {
    let tree = match encoding::decode(xml).and_then(|text| reader::read(&text)) {
        Ok(tree) => tree,
        Err(diagnostic) => {
            return Parsed {
                processes: Vec::new(),
                diagnostics: vec![Diagnostic {
                    message: one_line(&diagnostic.message),
                    ..diagnostic
                }],
                well_formed: false,
            };
        }
    };
    let mut diagnostics = Vec::new();
    let processes = build::build(&tree, &mut diagnostics);
    diagnostics.sort_by_key(|d| (d.line, d.column));
    for d in &mut diagnostics {
        d.message = one_line(&d.message);
    }
    Parsed {
        processes,
        diagnostics,
        well_formed: true,
    }
}

/// Messages are printed one per line (`keel validate`): line breaks and tabs quoted from the
/// model are escaped.
fn one_line(message: &str) -> String {
    message
        .replace('\r', "\\r")
        .replace('\n', "\\n")
        .replace('\t', "\\t")
}
