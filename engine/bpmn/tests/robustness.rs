//! `parse` never panics: arbitrary bytes, and arbitrary mutations of a valid BPMN document.

mod common;

use keel_bpmn::parse;
use proptest::prelude::*;

fn valid() -> String {
    common::defs(
        r#"<message id="m" name="go"><extensionElements><zeebe:subscription correlationKey="=k"/></extensionElements></message>
<error id="err" errorCode="E1"/>
<process id="p" isExecutable="true">
  <startEvent id="s"/>
  <sequenceFlow id="f1" sourceRef="s" targetRef="g"/>
  <exclusiveGateway id="g" default="f3"/>
  <sequenceFlow id="f2" sourceRef="g" targetRef="t"><conditionExpression>=x &gt; 1</conditionExpression></sequenceFlow>
  <sequenceFlow id="f3" sourceRef="g" targetRef="u"/>
  <serviceTask id="t"><extensionElements><zeebe:taskDefinition type="work" retries="3"/>
    <zeebe:ioMapping><zeebe:input source="=a" target="b"/></zeebe:ioMapping></extensionElements></serviceTask>
  <userTask id="u" camunda:assignee="demo"/>
  <boundaryEvent id="b" attachedToRef="t"><errorEventDefinition errorRef="err"/></boundaryEvent>
  <sequenceFlow id="f4" sourceRef="t" targetRef="c"/>
  <sequenceFlow id="f5" sourceRef="u" targetRef="c"/>
  <sequenceFlow id="f6" sourceRef="b" targetRef="c"/>
  <intermediateCatchEvent id="c"><messageEventDefinition messageRef="m"/></intermediateCatchEvent>
  <sequenceFlow id="f7" sourceRef="c" targetRef="sub"/>
  <subProcess id="sub"><startEvent id="s2"/><sequenceFlow id="g1" sourceRef="s2" targetRef="e2"/><endEvent id="e2"/></subProcess>
  <sequenceFlow id="f8" sourceRef="sub" targetRef="e"/>
  <endEvent id="e"><terminateEventDefinition/></endEvent>
</process>"#,
    )
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Replace(usize, u8),
    Duplicate(usize, usize),
    /// Replaces the n-th quoted attribute value with another plausible value (an id of the
    /// document, an expression...), which keeps the XML well-formed and exercises the builder.
    Value(usize, &'static str),
}

const VALUES: [&str; 16] = [
    "s", "g", "t", "u", "b", "c", "sub", "e", "f1", "f3", "m", "err", "", "=x >", "${x}", "false",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let snippet = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..8),
        prop::sample::select(vec![
            b"<".to_vec(),
            b">".to_vec(),
            b"/>".to_vec(),
            b"\"".to_vec(),
            b"&".to_vec(),
            b"&amp;".to_vec(),
            b"<![CDATA[".to_vec(),
            b"]]>".to_vec(),
            b"<!--".to_vec(),
            b"<!DOCTYPE x>".to_vec(),
            b"xmlns:q=\"u\"".to_vec(),
            b"<task id=\"s\"/>".to_vec(),
            b"${x}".to_vec(),
            b"=".to_vec(),
            b"\xff\xfe".to_vec(),
            b"\xc3".to_vec(),
            b"</process>".to_vec(),
            b"<subProcess id=\"z\">".to_vec(),
        ]),
    ];
    prop_oneof![
        (any::<usize>(), 0usize..40).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<usize>(), snippet).prop_map(|(a, s)| Mutation::Insert(a, s)),
        (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Mutation::Replace(a, b)),
        (any::<usize>(), 0usize..200).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
        (any::<usize>(), prop::sample::select(VALUES.to_vec()))
            .prop_map(|(n, v)| Mutation::Value(n, v)),
    ]
}

fn apply(doc: &mut Vec<u8>, m: &Mutation) {
    let len = doc.len().max(1);
    match m {
        Mutation::Delete(at, n) => {
            let at = at % len;
            let end = (at + n).min(doc.len());
            if at < end {
                doc.drain(at..end);
            }
        }
        Mutation::Insert(at, s) => {
            let at = (at % len).min(doc.len());
            doc.splice(at..at, s.iter().copied());
        }
        Mutation::Replace(at, b) => {
            if let Some(x) = doc.get_mut(at % len) {
                *x = *b;
            }
        }
        Mutation::Duplicate(at, n) => {
            let at = at % len;
            let end = (at + n).min(doc.len());
            let copy: Vec<u8> = doc.get(at..end).map(<[u8]>::to_vec).unwrap_or_default();
            doc.splice(at..at, copy);
        }
        Mutation::Value(n, v) => {
            let quotes: Vec<usize> = doc
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'"')
                .map(|(i, _)| i)
                .collect();
            let pairs = quotes.len() / 2;
            if pairs == 0 {
                return;
            }
            let k = (n % pairs) * 2;
            if let (Some(&open), Some(&close)) = (quotes.get(k), quotes.get(k + 1)) {
                doc.splice(open + 1..close, v.bytes());
            }
        }
    }
}

#[test]
fn the_base_document_is_clean() {
    let parsed = parse(valid().as_bytes());
    assert!(parsed.diagnostics.is_empty(), "{}", common::dump(&parsed));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let parsed = parse(&bytes);
        prop_assert!(parsed.has_errors() || !parsed.processes.is_empty() || parsed.diagnostics.is_empty());
    }

    #[test]
    fn mutated_documents_never_panic(muts in prop::collection::vec(mutation(), 1..6)) {
        let mut doc = valid().into_bytes();
        for m in &muts {
            apply(&mut doc, m);
        }
        let parsed = parse(&doc);
        for d in &parsed.diagnostics {
            prop_assert!(d.line >= 1 && d.column >= 1, "position {}:{}", d.line, d.column);
            prop_assert!(!d.message.is_empty());
        }
        if !parsed.well_formed {
            prop_assert!(parsed.processes.is_empty());
            prop_assert_eq!(parsed.diagnostics.len(), 1);
        }
    }
}
