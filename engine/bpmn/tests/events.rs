//! Model building for message throw events, events with several event definitions and the
//! event-based gateway's targets; and the deploy errors around them (each naming the element).

#![allow(clippy::panic, clippy::unwrap_used)] // test code

mod common;

use common::{around, clean, defs, dump, error_with, errors, node, parse_str, process};
use keel_bpmn::{EventTrigger, FlowNodeKind, Text, TimerDefinition};

const MESSAGES: &str = r#"<message id="m1" name="one"><extensionElements><zeebe:subscription correlationKey="=orderId"/></extensionElements></message><message id="m2" name="two"/><signal id="s1" name="alarm"/>"#;

/// A process with the messages and signal above.
fn with_messages(body: &str) -> String {
    defs(&format!(
        r#"{MESSAGES}<process id="p" isExecutable="true">{body}</process>"#
    ))
}

/// `start → a → end` with the messages above.
fn around_with_messages(node: &str) -> String {
    with_messages(&format!(
        r#"<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="a"/>{node}<sequenceFlow id="f2" sourceRef="a" targetRef="e"/><endEvent id="e"/>"#
    ))
}

#[test]
fn a_message_throw_event_without_a_job_publishes_its_message() {
    let p = clean(&around_with_messages(
        r#"<intermediateThrowEvent id="a"><messageEventDefinition messageRef="m1"/></intermediateThrowEvent>"#,
    ));
    let FlowNodeKind::IntermediateThrowEvent {
        trigger: EventTrigger::Message(m),
    } = &node(&p, "a").kind
    else {
        panic!("not a message throw event: {:?}", node(&p, "a").kind);
    };
    assert!(matches!(&m.name, Text::Static(n) if n == "one"));
    // Without zeebe:publishMessage, the message's subscription key is the one thrown.
    assert_eq!(m.correlation_key.as_ref().unwrap().source(), "orderId");
    assert!(m.time_to_live.is_none() && m.message_id.is_none());

    let p = clean(&with_messages(
        r#"<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
<endEvent id="a"><messageEventDefinition messageRef="m2"><extensionElements><zeebe:publishMessage correlationKey="=key" timeToLive="PT5M" messageId="=id"/></extensionElements></messageEventDefinition></endEvent>"#,
    ));
    let FlowNodeKind::EndEvent {
        result: EventTrigger::Message(m),
    } = &node(&p, "a").kind
    else {
        panic!("not a message end event");
    };
    assert_eq!(m.correlation_key.as_ref().unwrap().source(), "key");
    assert!(matches!(&m.time_to_live, Some(Text::Static(t)) if t == "PT5M"));
    assert!(matches!(&m.message_id, Some(Text::Expr(e)) if e.source() == "id"));
}

#[test]
fn a_message_throw_event_with_a_job_definition_is_a_job() {
    let p = clean(&around_with_messages(
        r#"<intermediateThrowEvent id="a"><extensionElements><zeebe:taskDefinition type="notify" retries="5"/></extensionElements><messageEventDefinition messageRef="m1"/></intermediateThrowEvent>"#,
    ));
    let a = node(&p, "a");
    assert_eq!(a.element_type.as_str(), "intermediateThrowEvent");
    assert!(
        matches!(&a.kind, FlowNodeKind::JobTask(t) if matches!(&t.job_type, Text::Static(j) if j == "notify"))
    );
    // Camunda 7 puts the external task on the messageEventDefinition.
    let p = clean(&with_messages(
        r#"<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
<endEvent id="a"><messageEventDefinition messageRef="m2" camunda:type="external" camunda:topic="mail"/></endEvent>"#,
    ));
    assert!(
        matches!(&node(&p, "a").kind, FlowNodeKind::JobTask(t) if matches!(&t.job_type, Text::Static(j) if j == "mail"))
    );
    let parsed = parse_str(&around_with_messages(
        r#"<intermediateThrowEvent id="a"><messageEventDefinition messageRef="m1" camunda:class="org.Send"/></intermediateThrowEvent>"#,
    ));
    let d = error_with(&parsed, "camunda:class runs java code");
    assert_eq!(d.element_id.as_deref(), Some("a"));
    let parsed = parse_str(&around_with_messages(
        r#"<intermediateThrowEvent id="a"><extensionElements><zeebe:taskDefinition type="x"/><zeebe:publishMessage correlationKey="k"/></extensionElements><messageEventDefinition messageRef="m1"/></intermediateThrowEvent>"#,
    ));
    error_with(
        &parsed,
        "either a job definition (zeebe:taskDefinition) or zeebe:publishMessage",
    );
    let parsed = parse_str(&around_with_messages(
        r#"<intermediateThrowEvent id="a"><messageEventDefinition messageRef="m1"><extensionElements><zeebe:publishMessage correlationKey="k" timeToLive="soon"/></extensionElements></messageEventDefinition></intermediateThrowEvent>"#,
    ));
    let d = error_with(&parsed, "timeToLive \"soon\" is not an iso 8601 duration");
    assert_eq!(d.element_id.as_deref(), Some("a"));
    assert!(d.line > 0);
}

#[test]
fn catch_events_with_several_definitions() {
    let p = clean(&around_with_messages(&format!(
        r#"<intermediateCatchEvent id="a" parallelMultiple="true"><messageEventDefinition messageRef="m1"/><signalEventDefinition signalRef="s1"/>{TIMER}</intermediateCatchEvent>"#
    )));
    let FlowNodeKind::IntermediateCatchEvent { trigger } = &node(&p, "a").kind else {
        panic!("not a catch event");
    };
    assert!(trigger.is_parallel());
    assert_eq!(trigger.definitions().len(), 3);
    // In document order.
    assert_eq!(
        kinds(trigger.definitions()),
        ["message one", "signal alarm", "timer duration PT1H"]
    );
    // Without parallelMultiple, any one definition triggers.
    let p = clean(&around_with_messages(&format!(
        r#"<userTask id="a"/><boundaryEvent id="b" attachedToRef="a"><messageEventDefinition messageRef="m2"/>{TIMER}</boundaryEvent><sequenceFlow id="f3" sourceRef="b" targetRef="e"/>"#
    )));
    let FlowNodeKind::BoundaryEvent { trigger, .. } = &node(&p, "b").kind else {
        panic!("not a boundary event");
    };
    assert!(!trigger.is_parallel());
    assert_eq!(trigger.definitions().len(), 2);
    assert_eq!(
        kinds(trigger.definitions()),
        ["message two", "timer duration PT1H"]
    );
    // A process starts on either message.
    let p = clean(&with_messages(
        r#"<startEvent id="s"><messageEventDefinition messageRef="m1"/><messageEventDefinition messageRef="m2"/></startEvent><sequenceFlow id="f1" sourceRef="s" targetRef="e"/><endEvent id="e"/>"#,
    ));
    assert_eq!(
        match &node(&p, "s").kind {
            FlowNodeKind::StartEvent { trigger, .. } => trigger.definitions().len(),
            _ => 0,
        },
        2
    );
    let FlowNodeKind::StartEvent { trigger, .. } = &node(&p, "s").kind else {
        panic!("not a start event");
    };
    assert!(!trigger.is_parallel());
    assert_eq!(kinds(trigger.definitions()), ["message one", "message two"]);
}

/// Each definition as its kind and what it names (`message one`, `timer duration PT1H`, ...;
/// an expression shown with its `=`).
fn kinds(definitions: &[EventTrigger]) -> Vec<String> {
    let text = |t: &Text| match t {
        Text::Static(s) => s.clone(),
        Text::Expr(e) => format!("={}", e.source()),
    };
    definitions
        .iter()
        .map(|d| match d {
            EventTrigger::Message(m) => format!("message {}", text(&m.name)),
            EventTrigger::Signal(s) => format!("signal {}", text(&s.name)),
            EventTrigger::Timer(TimerDefinition::Date(t)) => format!("timer date {}", text(t)),
            EventTrigger::Timer(TimerDefinition::Duration(t)) => {
                format!("timer duration {}", text(t))
            }
            EventTrigger::Timer(TimerDefinition::Cycle(t)) => format!("timer cycle {}", text(t)),
            other => format!("{other:?}"),
        })
        .collect()
}

const TIMER: &str =
    r#"<timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition>"#;

#[test]
fn several_definitions_are_refused_where_they_cannot_run() {
    for (xml, message) in [
        (
            format!(
                r#"<intermediateCatchEvent id="a"><errorEventDefinition/>{TIMER}</intermediateCatchEvent>"#
            ),
            "an event with several event definitions can wait for messages, signals, a timer and a condition, not an errorEventDefinition",
        ),
        (
            format!(r#"<intermediateCatchEvent id="a">{TIMER}{TIMER}</intermediateCatchEvent>"#),
            "at most one timerEventDefinition",
        ),
        (
            r#"<intermediateCatchEvent id="a"><messageEventDefinition messageRef="m1"/><messageEventDefinition messageRef="m1"/></intermediateCatchEvent>"#.to_owned(),
            "the event waits twice for the message \"one\"",
        ),
        (
            r#"<intermediateCatchEvent id="a" parallelMultiple="true"><messageEventDefinition messageRef="m3"/><messageEventDefinition messageRef="m2"/></intermediateCatchEvent>"#.to_owned(),
            "a parallel multiple event needs fixed message names",
        ),
        (
            r#"<intermediateThrowEvent id="a"><messageEventDefinition messageRef="m1"/><escalationEventDefinition/></intermediateThrowEvent>"#.to_owned(),
            "a throw event with several event definitions can throw messages and signals, not an escalationEventDefinition",
        ),
        (
            r#"<intermediateThrowEvent id="a"><extensionElements><zeebe:taskDefinition type="x"/></extensionElements><messageEventDefinition messageRef="m1"/><signalEventDefinition signalRef="s1"/></intermediateThrowEvent>"#.to_owned(),
            "a throw event with several event definitions cannot be a job",
        ),
    ] {
        let xml = defs(&format!(
            r#"{MESSAGES}<message id="m3" name="=dynamic"/><process id="p" isExecutable="true"><startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="a"/>{xml}<sequenceFlow id="f2" sourceRef="a" targetRef="e"/><endEvent id="e"/></process>"#
        ));
        let parsed = parse_str(&xml);
        let d = error_with(&parsed, message);
        assert_eq!(d.element_id.as_deref(), Some("a"), "{}", dump(&parsed));
    }
    // A problem of the element itself is reported once, however many definitions it has.
    let parsed = parse_str(&with_messages(
        r#"<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="sub"/><subProcess id="sub"><startEvent id="in"><messageEventDefinition messageRef="m1"/><messageEventDefinition messageRef="m2"/></startEvent><sequenceFlow id="g" sourceRef="in" targetRef="ie"/><endEvent id="ie"/></subProcess><sequenceFlow id="f2" sourceRef="sub" targetRef="e"/><endEvent id="e"/>"#,
    ));
    let d = error_with(&parsed, "must be a none start event");
    assert_eq!(d.element_id.as_deref(), Some("in"));
    // A process's start event needs fixed timers, in a multiple start event too.
    let parsed = parse_str(&with_messages(
        r#"<startEvent id="s"><messageEventDefinition messageRef="m1"/><timerEventDefinition><timeDuration>=d</timeDuration></timerEventDefinition></startEvent><sequenceFlow id="f1" sourceRef="s" targetRef="e"/><endEvent id="e"/>"#,
    ));
    let d = error_with(
        &parsed,
        "a process's timer start event needs a fixed timeDate",
    );
    assert_eq!(d.element_id.as_deref(), Some("s"));
}

#[test]
fn event_based_gateway_targets() {
    // Two flows to one catch event, and a conditional catch event, may follow the gateway.
    clean(&process(&format!(
        r#"<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="gw"/><eventBasedGateway id="gw"/>
<sequenceFlow id="f1" sourceRef="gw" targetRef="t1"/><sequenceFlow id="f2" sourceRef="gw" targetRef="t1"/><intermediateCatchEvent id="t1">{TIMER}</intermediateCatchEvent>
<sequenceFlow id="f3" sourceRef="gw" targetRef="c"/><intermediateCatchEvent id="c"><conditionalEventDefinition><condition>=x > 1</condition></conditionalEventDefinition></intermediateCatchEvent>
<sequenceFlow id="f4" sourceRef="t1" targetRef="e"/><sequenceFlow id="f5" sourceRef="c" targetRef="e"/><endEvent id="e"/>"#
    )));
    // Two targets waiting for the same message cannot be told apart.
    let errs = errors(&with_messages(
        r#"<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="gw"/><eventBasedGateway id="gw"/>
<sequenceFlow id="f1" sourceRef="gw" targetRef="a"/><intermediateCatchEvent id="a"><messageEventDefinition messageRef="m2"/></intermediateCatchEvent>
<sequenceFlow id="f2" sourceRef="gw" targetRef="b"/><intermediateCatchEvent id="b"><messageEventDefinition messageRef="m2"/></intermediateCatchEvent>
<sequenceFlow id="f3" sourceRef="a" targetRef="e"/><sequenceFlow id="f4" sourceRef="b" targetRef="e"/><endEvent id="e"/>"#,
    ));
    assert_eq!(
        errs,
        [
            "catch events after event-based gateway gw: a and b wait for the same message \"two\"; a message reaches only one wait of an instance, so each needs its own"
        ]
    );
}

#[test]
fn two_boundary_events_of_one_activity_on_one_message_are_refused() {
    let parsed = parse_str(&around_with_messages(
        r#"<userTask id="a"/><boundaryEvent id="b1" attachedToRef="a"><messageEventDefinition messageRef="m2"/></boundaryEvent>
<boundaryEvent id="b2" attachedToRef="a" cancelActivity="false"><messageEventDefinition messageRef="m2"/></boundaryEvent>
<sequenceFlow id="f3" sourceRef="b1" targetRef="e"/><sequenceFlow id="f4" sourceRef="b2" targetRef="e"/>"#,
    ));
    let d = error_with(
        &parsed,
        "boundary events of activity a: b1 and b2 wait for the same message \"two\"",
    );
    assert_eq!(d.element_id.as_deref(), Some("b2"));
    assert_eq!(parsed.errors().count(), 1, "{}", dump(&parsed));
    // Different messages are fine.
    clean(&around(
        r#"<userTask id="a"/><boundaryEvent id="b1" attachedToRef="a"><messageEventDefinition messageRef="x"/></boundaryEvent><sequenceFlow id="f3" sourceRef="b1" targetRef="e"/>"#,
    ).replace("<process", r#"<message id="x" name="x"/><process"#));
}
