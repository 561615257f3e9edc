//! Helpers shared by the integration tests: wrapping a process body in a `definitions`
//! element and looking at diagnostics.
#![allow(dead_code, clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use keel_bpmn::{Diagnostic, FlowNode, Parsed, ProcessDefinition, parse};

/// A `definitions` document (bpmn default namespace, `camunda:` and `zeebe:` declared) around
/// `root_elements` (processes, messages, errors...).
pub fn defs(root_elements: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs" targetNamespace="http://example.com">
{root_elements}
</definitions>"#
    )
}

/// A document with one executable process `p` holding `body`.
pub fn process(body: &str) -> String {
    defs(&format!(
        r#"<process id="p" isExecutable="true">{body}</process>"#
    ))
}

/// `start → (body's node "a") → end` wiring around one node with id `a`.
pub fn around(node: &str) -> String {
    process(&format!(
        r#"<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="a"/>{node}<sequenceFlow id="f2" sourceRef="a" targetRef="e"/><endEvent id="e"/>"#
    ))
}

/// Parses a string.
pub fn parse_str(xml: &str) -> Parsed {
    parse(xml.as_bytes())
}

/// Error messages of `xml`.
pub fn errors(xml: &str) -> Vec<String> {
    parse_str(xml).errors().map(|d| d.message.clone()).collect()
}

/// Warning messages of `xml`.
pub fn warnings(xml: &str) -> Vec<String> {
    parse_str(xml)
        .diagnostics
        .iter()
        .filter(|d| !d.is_error())
        .map(|d| d.message.clone())
        .collect()
}

/// The single error of `xml` containing `needle`, or a panic listing every diagnostic.
pub fn error_with<'a>(parsed: &'a Parsed, needle: &str) -> &'a Diagnostic {
    let found: Vec<&Diagnostic> = parsed
        .errors()
        .filter(|d| d.message.contains(needle))
        .collect();
    match found.as_slice() {
        [d] => d,
        _ => panic!(
            "expected exactly one error containing {needle:?}, got:\n{}",
            dump(parsed)
        ),
    }
}

/// Every diagnostic, one per line.
pub fn dump(parsed: &Parsed) -> String {
    parsed
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts `xml` parses without any diagnostic and returns its only process.
pub fn clean(xml: &str) -> ProcessDefinition {
    let parsed = parse_str(xml);
    assert!(
        parsed.diagnostics.is_empty(),
        "unexpected diagnostics:\n{}",
        dump(&parsed)
    );
    assert_eq!(parsed.processes.len(), 1);
    parsed
        .processes
        .into_iter()
        .next()
        .unwrap_or_else(|| unreachable!())
}

/// The node with BPMN id `id`.
pub fn node<'a>(p: &'a ProcessDefinition, id: &str) -> &'a FlowNode {
    let idx = p.node_by_id(id).unwrap_or_else(|| panic!("no node {id}"));
    p.node(idx)
}
