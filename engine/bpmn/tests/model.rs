//! Model building: scopes, node kinds, references, incoming/outgoing, events and their
//! definitions, executability.

mod common;

use common::{clean, defs, dump, node, parse_str, process};
use keel_bpmn::{ElementType, EventTrigger, FlowNodeKind, ScopeIdx, Text, TimerDefinition};

#[test]
fn scopes_nodes_and_flows_are_indexed() {
    let p = clean(&process(
        r#"<startEvent id="s"/>
<sequenceFlow id="f1" sourceRef="s" targetRef="sub"/>
<subProcess id="sub">
  <startEvent id="s2"/><sequenceFlow id="g1" sourceRef="s2" targetRef="t"/><task id="t"/>
  <sequenceFlow id="g2" sourceRef="t" targetRef="e2"/><endEvent id="e2"/>
</subProcess>
<sequenceFlow id="f2" sourceRef="sub" targetRef="e"/>
<endEvent id="e"/>"#,
    ));
    assert_eq!(p.scopes.len(), 2);
    let sub_idx = p.node_by_id("sub").unwrap();
    let FlowNodeKind::SubProcess { scope } = node(&p, "sub").kind else {
        panic!("not a sub-process");
    };
    assert_eq!(scope, ScopeIdx(1));
    let inner = p.get_scope(scope).unwrap();
    assert_eq!(inner.owner, Some(sub_idx));
    assert_eq!(inner.none_start, p.node_by_id("s2"));
    assert_eq!(inner.start_events, vec![p.node_by_id("s2").unwrap()]);
    assert_eq!(inner.nodes.len(), 3);
    let root = p.get_scope(ScopeIdx::ROOT).unwrap();
    assert_eq!(root.owner, None);
    assert_eq!(root.none_start, p.node_by_id("s"));
    assert_eq!(root.nodes.len(), 3);
    assert_eq!(node(&p, "t").scope, ScopeIdx(1));
    let t = node(&p, "t");
    assert_eq!(p.get_flow(t.incoming[0]).unwrap().id, "g1");
    assert_eq!(p.get_flow(t.outgoing[0]).unwrap().id, "g2");
    assert_eq!(node(&p, "sub").element_type, ElementType::SubProcess);
    assert_eq!(node(&p, "sub").element_type.as_str(), "subProcess");
}

#[test]
fn incoming_and_outgoing_come_from_flows_not_from_child_elements() {
    let p = clean(&process(
        r#"<startEvent id="s"><outgoing>bogus</outgoing></startEvent>
<sequenceFlow id="f" sourceRef="s" targetRef="e"/>
<endEvent id="e"><incoming>other</incoming></endEvent>"#,
    ));
    assert_eq!(node(&p, "s").outgoing.len(), 1);
    assert_eq!(node(&p, "e").incoming.len(), 1);
}

#[test]
fn flows_without_id_get_a_synthetic_one() {
    let p = clean(&process(
        "<startEvent id=\"s\"/>\n<sequenceFlow sourceRef=\"s\" targetRef=\"e\"/><endEvent id=\"e\"/>",
    ));
    assert_eq!(p.flows[0].id, "sequenceFlow@4:1");
}

#[test]
fn task_kinds_and_names() {
    let p = parse_str(&process(
        r#"<task id="a" name="A"/><manualTask id="b"/><userTask id="c"/><exclusiveGateway id="d"/><parallelGateway id="e"/>"#,
    ));
    let p = &p.processes[0];
    assert!(matches!(node(p, "a").kind, FlowNodeKind::Task));
    assert_eq!(node(p, "a").name.as_deref(), Some("A"));
    assert!(matches!(node(p, "b").kind, FlowNodeKind::Task));
    assert_eq!(node(p, "b").element_type, ElementType::ManualTask);
    assert!(matches!(node(p, "c").kind, FlowNodeKind::UserTask(_)));
    assert!(matches!(node(p, "d").kind, FlowNodeKind::ExclusiveGateway));
    assert!(matches!(node(p, "e").kind, FlowNodeKind::ParallelGateway));
}

#[test]
fn default_flows_are_resolved() {
    let p = clean(&process(
        r#"<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="g"/>
<exclusiveGateway id="g" default="f2"/>
<sequenceFlow id="f1" sourceRef="g" targetRef="e"><conditionExpression>=x &gt; 1</conditionExpression></sequenceFlow>
<sequenceFlow id="f2" sourceRef="g" targetRef="e"/>
<endEvent id="e"/>"#,
    ));
    let g = node(&p, "g");
    assert_eq!(p.get_flow(g.default_flow.unwrap()).unwrap().id, "f2");
    let f1 = p.flows.iter().find(|f| f.id == "f1").unwrap();
    assert_eq!(f1.condition.as_ref().unwrap().source(), "x > 1");
    assert_eq!(node(&p, "e").incoming.len(), 2);
}

#[test]
fn boundary_events_are_attached() {
    let p = clean(&defs(
        r#"<error id="err" errorCode="E42"/><message id="msg" name="cancel"/>
<process id="p">
<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
<task id="t"/><sequenceFlow id="f2" sourceRef="t" targetRef="e"/><endEvent id="e"/>
<boundaryEvent id="b1" attachedToRef="t"><errorEventDefinition errorRef="err"/></boundaryEvent>
<boundaryEvent id="b2" attachedToRef="t" cancelActivity="false"><timerEventDefinition><timeDuration>PT5M</timeDuration></timerEventDefinition></boundaryEvent>
<boundaryEvent id="b3" attachedToRef="t"><messageEventDefinition messageRef="msg"/></boundaryEvent>
<sequenceFlow id="f3" sourceRef="b1" targetRef="e"/><sequenceFlow id="f4" sourceRef="b2" targetRef="e"/><sequenceFlow id="f5" sourceRef="b3" targetRef="e"/>
</process>"#,
    ));
    let t = p.node_by_id("t").unwrap();
    assert_eq!(node(&p, "t").boundary_events.len(), 3);
    let FlowNodeKind::BoundaryEvent {
        attached_to,
        cancel_activity,
        trigger,
    } = &node(&p, "b1").kind
    else {
        panic!("not a boundary event");
    };
    assert_eq!(*attached_to, t);
    assert!(*cancel_activity);
    assert!(matches!(trigger, EventTrigger::Error(e) if e.code.as_deref() == Some("E42")));
    let FlowNodeKind::BoundaryEvent {
        cancel_activity,
        trigger,
        ..
    } = &node(&p, "b2").kind
    else {
        panic!("not a boundary event");
    };
    assert!(!*cancel_activity);
    assert!(
        matches!(trigger, EventTrigger::Timer(TimerDefinition::Duration(Text::Static(d))) if d == "PT5M")
    );
    let FlowNodeKind::BoundaryEvent {
        trigger: EventTrigger::Message(m),
        ..
    } = &node(&p, "b3").kind
    else {
        panic!("not a message boundary event");
    };
    assert!(matches!(&m.name, Text::Static(n) if n == "cancel"));
    assert!(m.correlation_key.is_none());
}

#[test]
fn catch_events_and_end_events() {
    let p = clean(&defs(
        r#"<message id="m1" name="=&quot;order-&quot; + kind"><extensionElements><zeebe:subscription correlationKey="=orderId"/></extensionElements></message>
<bpmn:error xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="e1" errorCode="BOOM"/>
<process id="p">
<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="c1"/>
<intermediateCatchEvent id="c1"><messageEventDefinition messageRef="m1"/></intermediateCatchEvent>
<sequenceFlow id="f2" sourceRef="c1" targetRef="c2"/>
<intermediateCatchEvent id="c2"><timerEventDefinition><timeDate>2030-01-31T09:00:00Z</timeDate></timerEventDefinition></intermediateCatchEvent>
<sequenceFlow id="f3" sourceRef="c2" targetRef="th"/>
<intermediateThrowEvent id="th"/>
<sequenceFlow id="f4" sourceRef="th" targetRef="g"/>
<parallelGateway id="g"/>
<sequenceFlow id="f5" sourceRef="g" targetRef="end1"/><sequenceFlow id="f6" sourceRef="g" targetRef="end2"/>
<endEvent id="end1"><terminateEventDefinition/></endEvent>
<endEvent id="end2"><errorEventDefinition errorRef="e1"/></endEvent>
</process>"#,
    ));
    let FlowNodeKind::IntermediateCatchEvent {
        trigger: EventTrigger::Message(m),
    } = &node(&p, "c1").kind
    else {
        panic!("c1");
    };
    assert!(matches!(&m.name, Text::Expr(e) if e.source() == "\"order-\" + kind"));
    assert_eq!(m.correlation_key.as_ref().unwrap().source(), "orderId");
    assert!(matches!(
        &node(&p, "c2").kind,
        FlowNodeKind::IntermediateCatchEvent {
            trigger: EventTrigger::Timer(TimerDefinition::Date(_))
        }
    ));
    assert!(matches!(
        &node(&p, "th").kind,
        FlowNodeKind::IntermediateThrowEvent {
            trigger: EventTrigger::None
        }
    ));
    assert!(matches!(
        &node(&p, "end1").kind,
        FlowNodeKind::EndEvent {
            result: EventTrigger::Terminate
        }
    ));
    assert!(matches!(
        &node(&p, "end2").kind,
        FlowNodeKind::EndEvent { result: EventTrigger::Error(e) } if e.code.as_deref() == Some("BOOM")
    ));
}

#[test]
fn prefixed_message_refs_resolve() {
    let p = clean(&defs(
        r#"<message id="m1" name="go"/>
<process id="p" xmlns:tns="http://example.com"><startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="c"/>
<intermediateCatchEvent id="c"><messageEventDefinition messageRef="tns:m1"/></intermediateCatchEvent>
<sequenceFlow id="f2" sourceRef="c" targetRef="e"/><endEvent id="e"/></process>"#,
    ));
    assert!(matches!(
        &node(&p, "c").kind,
        FlowNodeKind::IntermediateCatchEvent {
            trigger: EventTrigger::Message(_)
        }
    ));
}

#[test]
fn timers_accept_feel_and_iso_values() {
    let timer = |body: &str| {
        process(&format!(
            r#"<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="c"/>
<intermediateCatchEvent id="c"><timerEventDefinition>{body}</timerEventDefinition></intermediateCatchEvent>
<sequenceFlow id="f2" sourceRef="c" targetRef="e"/><endEvent id="e"/>"#
        ))
    };
    let p = clean(&timer("<timeDuration>=delay</timeDuration>"));
    assert!(matches!(
        &node(&p, "c").kind,
        FlowNodeKind::IntermediateCatchEvent { trigger: EventTrigger::Timer(TimerDefinition::Duration(Text::Expr(e))) } if e.source() == "delay"
    ));
    clean(&timer("<timeCycle>R3/PT10M</timeCycle>"));
    clean(&timer("<timeCycle>0 0 9 * * ?</timeCycle>"));
    let parsed = parse_str(&timer("<timeDuration>five minutes</timeDuration>"));
    common::error_with(
        &parsed,
        "timeDuration \"five minutes\" is not an iso 8601 duration",
    );
    let parsed = parse_str(&timer(""));
    common::error_with(
        &parsed,
        "timerEventDefinition needs a timeDate, timeDuration or timeCycle",
    );
    let p = clean(&timer("<timeDuration>${delay}</timeDuration>"));
    assert!(matches!(
        &node(&p, "c").kind,
        FlowNodeKind::IntermediateCatchEvent { trigger: EventTrigger::Timer(TimerDefinition::Duration(Text::Expr(e))) } if e.is_juel() && e.source() == "${delay}"
    ));
}

#[test]
fn executable_flag_and_several_processes() {
    let parsed = parse_str(&defs(
        r#"<process id="a" name="A"><startEvent id="s1"/><sequenceFlow id="f1" sourceRef="s1" targetRef="e1"/><endEvent id="e1"/></process>
<process id="b" isExecutable="false"><complexGateway id="ig"/><callActivity id="ca"/></process>
<process id="c" isExecutable="true"><startEvent id="s3"/><sequenceFlow id="f3" sourceRef="s3" targetRef="e3"/><endEvent id="e3"/></process>"#,
    ));
    assert!(parsed.diagnostics.is_empty(), "{}", dump(&parsed));
    let keys: Vec<(&str, bool)> = parsed
        .processes
        .iter()
        .map(|p| (p.key.as_str(), p.is_executable))
        .collect();
    assert_eq!(keys, [("a", true), ("b", false), ("c", true)]);
    assert_eq!(parsed.processes[0].name.as_deref(), Some("A"));
    let b = &parsed.processes[1];
    assert!(matches!(
        &node(b, "ig").kind,
        FlowNodeKind::ComplexGateway(_)
    ));
    assert_eq!(node(b, "ca").element_type, ElementType::CallActivity);
}

#[test]
fn names_and_documentation_are_never_expressions() {
    let p = clean(&process(
        r##"<startEvent id="s" name="=not feel ("><documentation>${x}</documentation></startEvent><sequenceFlow id="f" name="#{y}" sourceRef="s" targetRef="e"/><endEvent id="e" name="${z}"/>"##,
    ));
    assert_eq!(node(&p, "s").name.as_deref(), Some("=not feel ("));
}

#[test]
fn deeply_nested_sub_processes_build_without_overflow() {
    let depth = 120;
    let mut body = String::new();
    for i in 0..depth {
        body.push_str(&format!(
            r#"<startEvent id="s{i}"/><sequenceFlow id="a{i}" sourceRef="s{i}" targetRef="sub{i}"/><subProcess id="sub{i}">"#
        ));
    }
    body.push_str(r#"<startEvent id="inner"/><sequenceFlow id="x" sourceRef="inner" targetRef="end"/><endEvent id="end"/>"#);
    for i in (0..depth).rev() {
        body.push_str(&format!(
            r#"</subProcess><sequenceFlow id="b{i}" sourceRef="sub{i}" targetRef="e{i}"/><endEvent id="e{i}"/>"#
        ));
    }
    let p = clean(&process(&body));
    assert_eq!(p.scopes.len(), depth + 1);
    assert_eq!(
        node(&p, "end").scope,
        ScopeIdx(u32::try_from(depth).unwrap())
    );
}

#[test]
fn messages_stay_on_one_line() {
    let parsed = parse_str(&process(
        "<startEvent id=\"s\"/><sequenceFlow id=\"f0\" sourceRef=\"s\" targetRef=\"g\"/><exclusiveGateway id=\"g\" default=\"f2\"/>\n<sequenceFlow id=\"f1\" sourceRef=\"g\" targetRef=\"e\"><conditionExpression>=x &gt;\n  (</conditionExpression></sequenceFlow><sequenceFlow id=\"f2\" sourceRef=\"g\" targetRef=\"e\"/><endEvent id=\"e\"/>",
    ));
    assert!(parsed.well_formed);
    let d = common::error_with(&parsed, "invalid FEEL expression");
    assert!(!d.message.contains('\n'), "{}", d.message);
    assert!(d.message.contains("x >\\n  ("), "{}", d.message);
}
