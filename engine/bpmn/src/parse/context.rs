//! What every builder step shares: document-level lookups ([`Doc`]) and the diagnostic sink
//! of one process ([`Ctx`]).
//!
//! Owns resolving `messageRef`/`errorRef`/`escalationRef`/`signalRef`/`itemSubjectRef` (ids,
//! possibly prefixed with a namespace prefix) and
//! the rule for which diagnostics a process gets: errors about invalid BPMN always, execution
//! errors and warnings only for executable processes. It never builds model objects.

use std::collections::HashMap;

use super::tree::{Element, Ns, Tree};
use crate::diagnostic::Diagnostic;

/// Document-level lookups shared by every process.
pub(crate) struct Doc<'t> {
    /// The raw tree.
    pub tree: &'t Tree,
    messages: HashMap<&'t str, &'t Element>,
    errors: HashMap<&'t str, &'t Element>,
    escalations: HashMap<&'t str, &'t Element>,
    signals: HashMap<&'t str, &'t Element>,
    item_definitions: HashMap<&'t str, &'t Element>,
    /// Ids of every `dataStore` and `dataStoreReference` of the document (any pool).
    data_stores: std::collections::HashSet<&'t str>,
    /// `definitions expressionLanguage`: the language of formal expressions without one
    /// (`None` for XPath, the spec's default, which is ignored).
    pub expression_language: Option<&'t str>,
}

impl<'t> Doc<'t> {
    /// Indexes the root elements of `definitions`.
    pub(crate) fn new(tree: &'t Tree, root: &'t Element) -> Self {
        let mut messages = HashMap::new();
        let mut errors = HashMap::new();
        let mut escalations = HashMap::new();
        let mut signals = HashMap::new();
        let mut item_definitions = HashMap::new();
        for c in tree.children(root).filter(|c| c.ns == Ns::Bpmn) {
            let Some(id) = c.id() else { continue };
            match c.local.as_str() {
                "message" => messages.entry(id).or_insert(c),
                "error" => errors.entry(id).or_insert(c),
                "escalation" => escalations.entry(id).or_insert(c),
                "signal" => signals.entry(id).or_insert(c),
                "itemDefinition" => item_definitions.entry(id).or_insert(c),
                _ => continue,
            };
        }
        let data_stores = tree
            .elements
            .iter()
            .filter(|e| {
                e.ns == Ns::Bpmn && matches!(e.local.as_str(), "dataStore" | "dataStoreReference")
            })
            .filter_map(|e| e.id())
            .collect();
        Doc {
            tree,
            data_stores,
            messages,
            errors,
            escalations,
            signals,
            item_definitions,
            // XPath is the BPMN default, which modelers write out as boilerplate: Camunda 7
            // ignores it (reading every expression as JUEL), and so does Keel.
            expression_language: root.attr("expressionLanguage").filter(|l| !is_xpath(l)),
        }
    }

    /// The `message` a `messageRef` (an id, possibly prefixed) names.
    pub(crate) fn message(&self, qref: &str) -> Option<&'t Element> {
        lookup(&self.messages, qref)
    }

    /// The `error` an `errorRef` names.
    pub(crate) fn error(&self, qref: &str) -> Option<&'t Element> {
        lookup(&self.errors, qref)
    }

    /// The `signal` a `signalRef` names.
    pub(crate) fn signal(&self, qref: &str) -> Option<&'t Element> {
        lookup(&self.signals, qref)
    }

    /// The `itemDefinition` an `itemSubjectRef` names.
    pub(crate) fn item_definition(&self, qref: &str) -> Option<&'t Element> {
        lookup(&self.item_definitions, qref)
    }

    /// True when `id` names a `dataStore` or `dataStoreReference` anywhere in the document
    /// (a data association may name one drawn in another pool).
    pub(crate) fn is_data_store(&self, id: &str) -> bool {
        let id = id.trim();
        self.data_stores.contains(id)
            || id
                .split_once(':')
                .is_some_and(|(_, local)| self.data_stores.contains(local))
    }

    /// The `escalation` an `escalationRef` names.
    pub(crate) fn escalation(&self, qref: &str) -> Option<&'t Element> {
        lookup(&self.escalations, qref)
    }
}

/// True for the XPath language URI (`http://www.w3.org/1999/XPath`, any case or scheme).
fn is_xpath(language: &str) -> bool {
    let l = language.trim().to_ascii_lowercase();
    l.ends_with("www.w3.org/1999/xpath") || l == "xpath"
}

fn lookup<'t>(map: &HashMap<&'t str, &'t Element>, qref: &str) -> Option<&'t Element> {
    let qref = qref.trim();
    map.get(qref).copied().or_else(|| {
        let (_, local) = qref.split_once(':')?;
        map.get(local).copied()
    })
}

/// Where diagnostics go, and whether execution rules apply.
pub(crate) struct Ctx<'t, 'd> {
    /// Document lookups.
    pub doc: &'d Doc<'t>,
    /// True for an executable process: execution rules and warnings apply.
    pub exec: bool,
    diags: &'d mut Vec<Diagnostic>,
}

impl<'t, 'd> Ctx<'t, 'd> {
    /// A sink for one process.
    pub(crate) fn new(doc: &'d Doc<'t>, exec: bool, diags: &'d mut Vec<Diagnostic>) -> Self {
        Ctx { doc, exec, diags }
    }

    /// An error whatever the process (invalid BPMN).
    pub(crate) fn error(&mut self, e: &Element, msg: impl Into<String>) {
        self.push(Diagnostic::error(e.pos, e.id(), msg));
    }

    /// Records `d` once: a check that runs for several parts of one element (each definition of
    /// an event with several, say) reports a problem of the element only once.
    fn push(&mut self, d: Diagnostic) {
        if !self.diags.contains(&d) {
            self.diags.push(d);
        }
    }

    /// An error that only matters when the process is executable.
    pub(crate) fn exec_error(&mut self, e: &Element, msg: impl Into<String>) {
        if self.exec {
            self.error(e, msg);
        }
    }

    /// A warning, for executable processes only.
    pub(crate) fn warning(&mut self, e: &Element, msg: impl Into<String>) {
        if self.exec {
            self.push(Diagnostic::warning(e.pos, e.id(), msg));
        }
    }

    /// The value, or `None` after reporting the message as an execution error at `e`.
    pub(crate) fn ok<T>(&mut self, e: &Element, r: Result<T, String>) -> Option<T> {
        r.map_err(|m| self.exec_error(e, m)).ok()
    }
}
