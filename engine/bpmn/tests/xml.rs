//! XML-level behaviour: well-formedness, encodings, DOCTYPE, namespaces, positions, nesting.

mod common;

use common::{defs, dump, parse_str, process};
use keel_bpmn::parse;

const MINIMAL: &str =
    r#"<startEvent id="s"/><sequenceFlow id="f" sourceRef="s" targetRef="e"/><endEvent id="e"/>"#;

fn xml_error(bytes: &[u8]) -> keel_bpmn::Diagnostic {
    let parsed = parse(bytes);
    assert!(
        !parsed.well_formed,
        "expected an xml error, got:\n{}",
        dump(&parsed)
    );
    assert!(parsed.processes.is_empty());
    assert_eq!(parsed.diagnostics.len(), 1, "{}", dump(&parsed));
    parsed.diagnostics[0].clone()
}

#[test]
fn minimal_process_is_clean() {
    let p = common::clean(&process(MINIMAL));
    assert_eq!(p.key, "p");
    assert!(p.is_executable);
    assert_eq!(p.nodes.len(), 2);
}

#[test]
fn doctype_is_rejected_and_entities_never_expanded() {
    let xml = r#"<?xml version="1.0"?>
<!DOCTYPE definitions [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p">&xxe;</process></definitions>"#;
    let d = xml_error(xml.as_bytes());
    assert_eq!(d.message, "DOCTYPE is not allowed");
    assert_eq!((d.line, d.column), (2, 1));
}

#[test]
fn unknown_entity_is_an_error_with_position() {
    let xml = process(r#"<startEvent id="s" name="a &foo; b"/>"#);
    let d = xml_error(xml.as_bytes());
    assert!(d.message.contains("foo"), "{}", d.message);
    assert_eq!(d.line, 3);
    let d = xml_error(process("<documentation>&bar;</documentation>").as_bytes());
    assert!(d.message.contains("unknown entity &bar;"), "{}", d.message);
}

#[test]
fn predefined_entities_and_char_refs_are_resolved() {
    let p = common::clean(&process(
        r#"<startEvent id="s" name="a &amp; &#65;&#x42; &lt;"/><sequenceFlow id="f" sourceRef="s" targetRef="e"/><endEvent id="e"/>"#,
    ));
    assert_eq!(common::node(&p, "s").name.as_deref(), Some("a & AB <"));
}

#[test]
fn mismatched_tags_report_line_and_column() {
    let d = xml_error(b"<definitions>\n  <process>\n  </definitions>");
    assert!(
        d.message.starts_with("xml is not well-formed"),
        "{}",
        d.message
    );
    assert_eq!(d.line, 3);
}

#[test]
fn unclosed_document_is_an_error() {
    let d = xml_error(
        b"<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">\n<process id=\"p\">",
    );
    assert!(d.message.contains("not closed"), "{}", d.message);
}

#[test]
fn empty_and_text_only_documents_are_errors() {
    assert!(xml_error(b"").message.contains("no root element"));
    assert!(xml_error(b"   \n ").message.contains("no root element"));
    assert!(
        xml_error(b"hello")
            .message
            .contains("text outside the root")
    );
}

#[test]
fn second_root_is_an_error() {
    let d = xml_error(b"<a/>\n<b/>");
    assert!(
        d.message.contains("after the root element"),
        "{}",
        d.message
    );
    assert_eq!((d.line, d.column), (2, 1));
}

#[test]
fn bad_declarations_are_errors() {
    let d = xml_error(b"<?xml version=\"1.0\"encoding=\"UTF-8\"?><a/>");
    assert!(d.message.contains("xml declaration"), "{}", d.message);
    let d = xml_error(b"\n<?xml version=\"1.0\"?><a/>");
    assert!(d.message.contains("declaration"), "{}", d.message);
}

#[test]
fn undeclared_prefixes_are_errors() {
    let d = xml_error(b"<bpmn:definitions/>");
    assert!(d.message.contains("\"bpmn\""), "{}", d.message);
    let d = xml_error(b"<a x:y=\"1\"/>");
    assert!(d.message.contains("\"x\""), "{}", d.message);
}

#[test]
fn bad_attributes_are_errors() {
    for bad in [
        &b"<a x=\"1\" x=\"2\"/>"[..],
        b"<a x/>",
        b"<a x=1/>",
        b"<a $x=\"1\"/>",
        b"<a x=\"<\"/>",
    ] {
        let d = xml_error(bad);
        assert!(
            d.message.starts_with("xml is not well-formed"),
            "{}",
            d.message
        );
    }
}

#[test]
fn invalid_utf8_reports_the_position_of_the_bad_byte() {
    let mut bytes = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a name=\"caf".to_vec();
    bytes.push(0xE9); // Latin-1 e-acute, invalid in UTF-8
    bytes.extend_from_slice(b"\"/>");
    let d = xml_error(&bytes);
    assert!(d.message.contains("utf-8"), "{}", d.message);
    assert_eq!((d.line, d.column), (2, 13));
}

#[test]
fn latin1_and_windows_1252_are_decoded() {
    for enc in ["ISO-8859-1", "windows-1252"] {
        let xml = process(MINIMAL)
            .replace("UTF-8", enc)
            .replace("id=\"s\"", "id=\"s\" name=\"caf\u{e9}\"");
        // One byte per character: the Latin-1 encoding of the text.
        let bytes: Vec<u8> = xml
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
            .collect();
        let parsed = parse(&bytes);
        assert!(parsed.diagnostics.is_empty(), "{enc}: {}", dump(&parsed));
        let s = common::node(&parsed.processes[0], "s");
        assert_eq!(s.name.as_deref(), Some("caf\u{e9}"));
    }
}

#[test]
fn windows_1252_high_bytes_map_to_their_characters() {
    let xml = process(MINIMAL).replace("UTF-8", "windows-1252");
    let mut bytes = xml.replace("id=\"s\"", "id=\"s\" name=\"X\"").into_bytes();
    let at = bytes.iter().position(|&b| b == b'X').unwrap_or_default();
    bytes[at] = 0x80;
    let parsed = parse(&bytes);
    let s = common::node(&parsed.processes[0], "s");
    assert_eq!(s.name.as_deref(), Some("\u{20ac}"));
}

#[test]
fn unsupported_encodings_are_errors() {
    let xml = process(MINIMAL).replace("UTF-8", "EBCDIC-FOO");
    let d = xml_error(xml.as_bytes());
    assert!(d.message.contains("unsupported encoding"), "{}", d.message);
}

#[test]
fn utf8_bom_and_utf16_are_accepted() {
    let xml = process(MINIMAL);
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(xml.as_bytes());
    assert!(parse(&bom).diagnostics.is_empty());
    for le in [true, false] {
        let mut bytes = if le {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for unit in xml.replace("UTF-8", "UTF-16").encode_utf16() {
            let b = if le {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            };
            bytes.extend_from_slice(&b);
        }
        let parsed = parse(&bytes);
        assert!(parsed.diagnostics.is_empty(), "{}", dump(&parsed));
        assert_eq!(parsed.processes.len(), 1);
    }
}

#[test]
fn control_characters_are_errors() {
    let xml = process(MINIMAL).replace("id=\"s\"", "id=\"s\" name=\"a\u{1}\"");
    let d = xml_error(xml.as_bytes());
    assert!(d.message.contains("U+0001"), "{}", d.message);
    assert_eq!(d.line, 3);
}

#[test]
fn any_prefix_or_default_namespace_works() {
    let prefixed = r#"<x:definitions xmlns:x="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <x:process id="p"><x:startEvent id="s"/><x:sequenceFlow id="f" sourceRef="s" targetRef="e"/><x:endEvent id="e"/></x:process>
</x:definitions>"#;
    let p = common::clean(prefixed);
    assert_eq!(p.nodes.len(), 2);
    // The right local name in the wrong namespace is not BPMN.
    let wrong = prefixed.replace("20100524/MODEL", "20100524/OTHER");
    let parsed = parse_str(&wrong);
    assert!(parsed.well_formed);
    assert!(parsed.processes.is_empty());
    assert!(common::errors(&wrong)[0].contains("is not a bpmn definitions element"));
}

#[test]
fn non_bpmn_root_and_missing_process_are_errors() {
    assert!(common::errors("<foo/>")[0].contains("root element <foo>"));
    let errs = common::errors(&defs(r#"<message id="m" name="x"/>"#));
    assert_eq!(errs, ["definitions contains no process"]);
}

#[test]
fn diagrams_and_other_content_are_skipped() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:vendor="urn:vendor" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" xsi:schemaLocation="http://www.omg.org/spec/BPMN/20100524/MODEL http://example.invalid/BPMN20.xsd">
  <bpmn:import importType="http://www.w3.org/2001/XMLSchema" location="http://example.invalid/x.xsd" namespace="urn:x"/>
  <bpmn:itemDefinition id="item"/>
  <bpmn:category id="cat"><bpmn:categoryValue id="cv" value="v"/></bpmn:category>
  <bpmn:collaboration id="c"><bpmn:participant id="part" processRef="p"/><bpmn:messageFlow id="mf" sourceRef="part" targetRef="part"/></bpmn:collaboration>
  <bpmn:process id="p" isExecutable="true">
    <bpmn:documentation>uses ${not an expression} and =neither</bpmn:documentation>
    <bpmn:extensionElements><vendor:anything><vendor:deep a="b"/></vendor:anything></bpmn:extensionElements>
    <bpmn:laneSet id="ls"><bpmn:lane id="lane" name="L"><bpmn:flowNodeRef>s</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:dataObject id="do"/><bpmn:dataObjectReference id="dor" dataObjectRef="do"/><bpmn:dataStoreReference id="dsr"/>
    <bpmn:startEvent id="s" name="${start}"><bpmn:outgoing>f</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/>
    <bpmn:endEvent id="e"><bpmn:incoming>f</bpmn:incoming></bpmn:endEvent>
    <bpmn:textAnnotation id="ta"><bpmn:text>note</bpmn:text></bpmn:textAnnotation>
    <bpmn:association id="as" sourceRef="ta" targetRef="s"/>
    <bpmn:group id="g" categoryValueRef="cv"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="pl" bpmnElement="c"><bpmndi:BPMNShape id="sh" bpmnElement="s"><dc:Bounds x="1" y="2" width="3" height="4"/></bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"#;
    let p = common::clean(xml);
    assert_eq!(p.nodes.len(), 2);
    assert_eq!(common::node(&p, "s").name.as_deref(), Some("${start}"));
}

#[test]
fn positions_are_one_based_line_and_column_of_the_element() {
    let xml = "<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">\n<process id=\"p\">\n  <task id=\"t\"/>\n  <startEvent id=\"s\"/>\n</process></definitions>";
    let parsed = parse_str(xml);
    let t = common::node(&parsed.processes[0], "t");
    assert_eq!((t.position.line, t.position.column), (3, 3));
    let d = parsed
        .diagnostics
        .iter()
        .find(|d| d.element_id.as_deref() == Some("t"))
        .unwrap_or_else(|| panic!("{}", dump(&parsed)));
    assert_eq!((d.line, d.column), (3, 3));
    assert!(d.to_string().starts_with("3:3: warning: [t] "), "{d}");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let depth = 100_000;
    let mut xml = String::with_capacity(depth * 8);
    for _ in 0..depth {
        xml.push_str("<a>");
    }
    for _ in 0..depth {
        xml.push_str("</a>");
    }
    let d = xml_error(xml.as_bytes());
    assert!(d.message.contains("nested deeper"), "{}", d.message);
    // Moderately deep but legal nesting of unknown elements is fine.
    let nested = format!(
        "<x:root xmlns:x=\"urn:x\">{}{}</x:root>",
        "<x:a>".repeat(200),
        "</x:a>".repeat(200)
    );
    let ok = process(&format!(
        "<extensionElements>{nested}</extensionElements>{MINIMAL}"
    ));
    let parsed = parse_str(&ok);
    assert!(parsed.diagnostics.is_empty(), "{}", dump(&parsed));
}

#[test]
fn comments_processing_instructions_and_cdata_are_handled() {
    let p = common::clean(&process(
        r#"<!-- c --><?pi x?><startEvent id="s"/><sequenceFlow id="f" sourceRef="s" targetRef="g"/><exclusiveGateway id="g"/>
<sequenceFlow id="f2" sourceRef="g" targetRef="e"><conditionExpression><![CDATA[=x < 5]]></conditionExpression></sequenceFlow><endEvent id="e"/>"#,
    ));
    let f2 = p
        .flows
        .iter()
        .find(|f| f.id == "f2")
        .and_then(|f| f.condition.as_ref());
    assert_eq!(f2.map(|c| c.source()), Some("x < 5"));
}
