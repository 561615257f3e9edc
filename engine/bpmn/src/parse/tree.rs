//! The raw element tree: namespace, local name, attributes, own text, children and the
//! 1-based position of each element, plus the namespaces Keel matches on.
//!
//! Owns only data and lookups: elements are matched on (namespace URI, local name), never on
//! prefixes. It carries no quick-xml types and performs no checks of its own.

use crate::diagnostic::Position;

/// BPMN 2.0 model namespace.
pub(crate) const BPMN_NS: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
/// Camunda 7 extension namespace.
pub(crate) const CAMUNDA_NS: &str = "http://camunda.org/schema/1.0/bpmn";
/// Zeebe (Camunda 8) extension namespace.
pub(crate) const ZEEBE_NS: &str = "http://camunda.org/schema/zeebe/1.0";

/// The namespace of an element or attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ns {
    /// No namespace (unprefixed attributes, elements without a default namespace).
    None,
    /// BPMN model.
    Bpmn,
    /// Camunda 7.
    Camunda,
    /// Zeebe.
    Zeebe,
    /// Any other namespace URI.
    Other(String),
}

impl Ns {
    /// The namespace for a resolved URI.
    pub(crate) fn from_uri(uri: &str) -> Ns {
        match uri {
            BPMN_NS => Ns::Bpmn,
            CAMUNDA_NS => Ns::Camunda,
            ZEEBE_NS => Ns::Zeebe,
            other => Ns::Other(other.to_owned()),
        }
    }
}

/// One attribute, with its value unescaped and normalized.
#[derive(Debug, Clone)]
pub(crate) struct Attr {
    /// Namespace of the attribute (`Ns::None` when unprefixed).
    pub ns: Ns,
    /// Local name.
    pub local: String,
    /// Unescaped value.
    pub value: String,
}

/// One element of the raw tree.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    /// Namespace of the element.
    pub ns: Ns,
    /// Local name.
    pub local: String,
    /// Attributes other than namespace declarations.
    pub attrs: Vec<Attr>,
    /// The element's own text and CDATA, concatenated (not that of its children).
    pub text: String,
    /// Indices of child elements in [`Tree::elements`].
    pub children: Vec<usize>,
    /// Where the element's start tag begins.
    pub pos: Position,
}

impl Element {
    /// True when the element is `local` in namespace `ns`.
    pub(crate) fn is(&self, ns: &Ns, local: &str) -> bool {
        &self.ns == ns && self.local == local
    }

    /// An unprefixed attribute.
    pub(crate) fn attr(&self, local: &str) -> Option<&str> {
        self.ns_attr(&Ns::None, local)
    }

    /// An attribute in namespace `ns`.
    pub(crate) fn ns_attr(&self, ns: &Ns, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| &a.ns == ns && a.local == local)
            .map(|a| a.value.as_str())
    }

    /// An unprefixed `xsd:boolean` attribute: `true`/`1` or `false`/`0`; `None` when absent or
    /// anything else.
    pub(crate) fn flag(&self, local: &str) -> Option<bool> {
        match self.attr(local).map(str::trim) {
            Some("true" | "1") => Some(true),
            Some("false" | "0") => Some(false),
            _ => None,
        }
    }

    /// The `id` attribute.
    pub(crate) fn id(&self) -> Option<&str> {
        self.attr("id")
    }
}

/// The whole document; `elements[0]` is the root.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    /// Every stored element, parents before children.
    pub elements: Vec<Element>,
}

impl Tree {
    /// The root element.
    pub(crate) fn root(&self) -> Option<&Element> {
        self.elements.first()
    }

    /// The children of `e`.
    pub(crate) fn children<'a>(&'a self, e: &'a Element) -> impl Iterator<Item = &'a Element> + 'a {
        e.children.iter().filter_map(|&i| self.elements.get(i))
    }

    /// The children of `e` that are `local` in namespace `ns`.
    pub(crate) fn children_named<'a>(
        &'a self,
        e: &'a Element,
        ns: &'a Ns,
        local: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children(e).filter(move |c| c.is(ns, local))
    }

    /// The first child of `e` that is `local` in namespace `ns`.
    pub(crate) fn child<'a>(
        &'a self,
        e: &'a Element,
        ns: &'a Ns,
        local: &'a str,
    ) -> Option<&'a Element> {
        self.children_named(e, ns, local).next()
    }
}
