//! XML text → the raw element tree of `tree` (namespace, local name, attributes, text,
//! children, 1-based position of each element start).
//!
//! Owns every XML-level check: well-formedness beyond what quick-xml verifies (names, bound
//! prefixes, one root, declaration placement, entities), and the hard rejection of any DOCTYPE.
//! It never expands entities other than the five predefined ones and character references,
//! never performs I/O and never recurses: the tree is built with an explicit stack and the
//! nesting depth is capped. Diagram interchange (DI/DC) subtrees are checked but not stored.

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use super::position::LineIndex;
use super::tree::{Attr, Element, Ns, Tree};
use crate::diagnostic::{Diagnostic, Position};

/// Namespaces whose subtrees (diagram layout) are never stored.
const SKIPPED_NS: [&str; 3] = [
    "http://www.omg.org/spec/BPMN/20100524/DI",
    "http://www.omg.org/spec/DD/20100524/DC",
    "http://www.omg.org/spec/DD/20100524/DI",
];
/// Deepest element nesting accepted; real models stay far below it.
pub(crate) const MAX_DEPTH: usize = 256;

/// Reads `text` into a tree, or returns the first XML-level error.
pub(crate) fn read(text: &str) -> Result<Tree, Diagnostic> {
    let lines = LineIndex::new(text);
    let mut reader = NsReader::from_str(text);
    reader.config_mut().check_comments = true;
    let mut st = State::default();
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let pos = lines.position(before);
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                // Namespace errors leave no error position; never report before the event.
                let at = usize::try_from(reader.error_position())
                    .unwrap_or(before)
                    .max(before);
                return Err(xml_error(lines.position(at), &e.to_string()));
            }
        };
        match event {
            Event::Start(e) => {
                st.open(&reader, &e, pos)?;
            }
            Event::Empty(e) => {
                st.open(&reader, &e, pos)?;
                st.close();
            }
            Event::End(_) => st.close(),
            Event::Text(t) => st.text(&t.xml_content(XmlVersion::Implicit1_0), pos)?,
            Event::CData(t) => st.text(&t.xml_content(XmlVersion::Implicit1_0), pos)?,
            Event::GeneralRef(r) => {
                let c = resolve_ref(&r, pos)?;
                st.text(&c, pos)?;
            }
            Event::DocType(_) => {
                return Err(Diagnostic::error(pos, None, "DOCTYPE is not allowed"));
            }
            Event::Decl(_) if before != 0 => {
                return Err(xml_error(
                    pos,
                    "xml declaration is only allowed at the very start",
                ));
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    st.finish(lines.position(text.len()))
}

fn xml_error(pos: Position, what: &str) -> Diagnostic {
    Diagnostic::error(pos, None, format!("xml is not well-formed: {what}"))
}

/// Resolves `&name;` in text: the five predefined entities and character references only.
fn resolve_ref(r: &quick_xml::events::BytesRef<'_>, pos: Position) -> Result<String, Diagnostic> {
    if r.is_char_ref() {
        return match r.resolve_char_ref() {
            Ok(Some(c)) => Ok(c.to_string()),
            _ => Err(xml_error(
                pos,
                &format!("invalid character reference &{};", &**r),
            )),
        };
    }
    let s = match &**r {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "apos" => "'",
        "quot" => "\"",
        other => return Err(xml_error(pos, &format!("unknown entity &{other};"))),
    };
    Ok(s.to_owned())
}

/// The builder's state: the stack of open elements and what has been seen at the top level.
#[derive(Default)]
struct State {
    tree: Tree,
    /// Per open element: its index in the tree, or `None` when it is not stored.
    stack: Vec<Option<usize>>,
    root_closed: bool,
}

impl State {
    fn open(
        &mut self,
        reader: &NsReader<&[u8]>,
        e: &BytesStart<'_>,
        pos: Position,
    ) -> Result<(), Diagnostic> {
        let qname = e.name();
        let raw = qname.as_ref();
        if !is_qname(raw) {
            return Err(xml_error(pos, &format!("invalid element name <{raw}>")));
        }
        if self.root_closed {
            return Err(xml_error(
                pos,
                &format!("content after the root element: <{raw}>"),
            ));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(xml_error(
                pos,
                &format!("elements are nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        let (res, local) = reader.resolver().resolve_element(qname);
        let ns = resolved(res, raw, pos)?;
        let attrs = read_attrs(reader, e, raw, pos)?;
        let parent = self.stack.last().copied();
        let stored = match (parent, &ns) {
            (Some(None), _) => false,
            (_, Ns::Other(uri)) => !SKIPPED_NS.contains(&uri.as_str()),
            _ => true,
        };
        if !stored {
            self.stack.push(None);
            return Ok(());
        }
        let idx = self.tree.elements.len();
        self.tree.elements.push(Element {
            ns,
            local: local.as_ref().to_owned(),
            attrs,
            text: String::new(),
            children: Vec::new(),
            pos,
        });
        if let Some(Some(p)) = parent
            && let Some(pe) = self.tree.elements.get_mut(p)
        {
            pe.children.push(idx);
        }
        self.stack.push(Some(idx));
        Ok(())
    }

    fn close(&mut self) {
        self.stack.pop();
        if self.stack.is_empty() {
            self.root_closed = true;
        }
    }

    fn text(&mut self, t: &str, pos: Position) -> Result<(), Diagnostic> {
        match self.stack.last() {
            Some(Some(i)) => {
                if let Some(e) = self.tree.elements.get_mut(*i) {
                    e.text.push_str(t);
                }
                Ok(())
            }
            Some(None) => Ok(()),
            None if t.trim().is_empty() => Ok(()),
            None => Err(xml_error(pos, "text outside the root element")),
        }
    }

    fn finish(self, end: Position) -> Result<Tree, Diagnostic> {
        if let Some(Some(open)) = self.stack.first()
            && let Some(e) = self.tree.elements.get(*open)
        {
            return Err(xml_error(
                end,
                &format!("unexpected end of document: <{}> is not closed", e.local),
            ));
        }
        if !self.stack.is_empty() {
            return Err(xml_error(
                end,
                "unexpected end of document: elements are not closed",
            ));
        }
        if !self.root_closed {
            return Err(xml_error(end, "the document has no root element"));
        }
        Ok(self.tree)
    }
}

fn resolved(res: ResolveResult<'_>, raw: &str, pos: Position) -> Result<Ns, Diagnostic> {
    match res {
        ResolveResult::Unbound => Ok(Ns::None),
        ResolveResult::Bound(ns) => Ok(Ns::from_uri(ns.as_ref())),
        ResolveResult::Unknown(prefix) => Err(xml_error(
            pos,
            &format!("namespace prefix \"{prefix}\" of {raw} is not declared"),
        )),
    }
}

fn read_attrs(
    reader: &NsReader<&[u8]>,
    e: &BytesStart<'_>,
    element: &str,
    pos: Position,
) -> Result<Vec<Attr>, Diagnostic> {
    let mut out = Vec::new();
    for attr in e.attributes().with_checks(true) {
        let attr =
            attr.map_err(|err| xml_error(pos, &format!("bad attribute in <{element}>: {err}")))?;
        let key = attr.key.as_ref();
        if !is_qname(key) {
            return Err(xml_error(
                pos,
                &format!("invalid attribute name \"{key}\" in <{element}>"),
            ));
        }
        if attr.value.contains('<') {
            return Err(xml_error(
                pos,
                &format!("'<' in the value of attribute \"{key}\" of <{element}>"),
            ));
        }
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| xml_error(pos, &format!("attribute \"{key}\" of <{element}>: {err}")))?;
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let (res, local) = reader.resolver().resolve_attribute(attr.key);
        let ns = resolved(res, key, pos)?;
        out.push(Attr {
            ns,
            local: local.as_ref().to_owned(),
            value: value.into_owned(),
        });
    }
    Ok(out)
}

/// A qualified XML name: one or two NCNames separated by one colon.
fn is_qname(name: &str) -> bool {
    let mut parts = name.split(':');
    let ok = parts.next().is_some_and(is_ncname);
    match (parts.next(), parts.next()) {
        (None, _) => ok,
        (Some(local), None) => ok && is_ncname(local),
        _ => false,
    }
}

fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    let start = |c: char| c.is_alphabetic() || c == '_' || !c.is_ascii();
    match chars.next() {
        Some(c) if start(c) => {
            chars.all(|c| start(c) || c.is_ascii_digit() || c == '-' || c == '.')
        }
        _ => false,
    }
}
