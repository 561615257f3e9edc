//! Model building for the elements of issue 5: inclusive and event-based gateways, receive and
//! script tasks, link and escalation events, multi-instance activities; and the deploy errors
//! around them.

#![allow(clippy::panic, clippy::unwrap_used)] // test code

mod common;

use common::{around, clean, defs, errors, node, process, warnings};
use keel_bpmn::{EventTrigger, FlowNodeKind, ProcessDefinition};

/// Ids of the nodes an inclusive join waits for, sorted.
fn upstream(p: &ProcessDefinition, id: &str) -> Vec<String> {
    let FlowNodeKind::InclusiveGateway(g) = &node(p, id).kind else {
        panic!("{id} is not an inclusive gateway");
    };
    let mut ids: Vec<String> = g.upstream.iter().map(|n| p.node(*n).id.clone()).collect();
    ids.sort();
    ids
}

#[test]
fn inclusive_join_knows_the_nodes_that_can_still_reach_it() {
    let p = clean(&process(
        r#"<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="fork"/>
<inclusiveGateway id="fork"/>
<sequenceFlow id="f1" sourceRef="fork" targetRef="a"/><userTask id="a"/>
<sequenceFlow id="f2" sourceRef="fork" targetRef="b"/><userTask id="b"/>
<boundaryEvent id="late" attachedToRef="b"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></boundaryEvent>
<sequenceFlow id="f3" sourceRef="fork" targetRef="c"/><userTask id="c"/>
<sequenceFlow id="f4" sourceRef="a" targetRef="join"/>
<sequenceFlow id="f5" sourceRef="late" targetRef="join"/>
<sequenceFlow id="f6" sourceRef="b" targetRef="end"/>
<sequenceFlow id="f7" sourceRef="c" targetRef="end"/>
<inclusiveGateway id="join"/>
<sequenceFlow id="f8" sourceRef="join" targetRef="after"/><task id="after"/>
<sequenceFlow id="f9" sourceRef="after" targetRef="join"/>
<sequenceFlow id="f10" sourceRef="after" targetRef="end"/>
<endEvent id="end"/>"#,
    ));
    // b reaches the join through its boundary event; c never does; `after` loops back.
    assert_eq!(
        upstream(&p, "join"),
        ["a", "after", "b", "fork", "late", "s"]
    );
    // A fork (one incoming flow) waits for nothing.
    assert!(upstream(&p, "fork").is_empty());
}

const TIMER: &str =
    r#"<timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition>"#;

#[test]
fn event_based_gateway_rules() {
    let ok = clean(&process(&format!(
        r#"<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="gw"/><eventBasedGateway id="gw"/>
<sequenceFlow id="f1" sourceRef="gw" targetRef="t1"/><intermediateCatchEvent id="t1">{TIMER}</intermediateCatchEvent>
<sequenceFlow id="f2" sourceRef="gw" targetRef="t2"/><intermediateCatchEvent id="t2">{TIMER}</intermediateCatchEvent>
<sequenceFlow id="f3" sourceRef="t1" targetRef="e"/><sequenceFlow id="f4" sourceRef="t2" targetRef="e"/><endEvent id="e"/>"#
    )));
    assert!(matches!(
        node(&ok, "gw").kind,
        FlowNodeKind::EventBasedGateway
    ));
    let errs = errors(&process(&format!(
        r#"<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="gw"/><eventBasedGateway id="gw"/>
<sequenceFlow id="f1" sourceRef="gw" targetRef="t1"><conditionExpression>=true</conditionExpression></sequenceFlow><intermediateCatchEvent id="t1">{TIMER}</intermediateCatchEvent>
<sequenceFlow id="f2" sourceRef="s" targetRef="t1"/>"#
    )));
    assert_eq!(
        errs,
        [
            "event-based gateway gw needs at least two outgoing sequence flows (it has 1)",
            "sequence flow f1 leaves event-based gateway gw and cannot have a condition",
            "t1 follows event-based gateway gw and cannot have incoming sequence flows from elsewhere",
        ]
    );
    let errs = errors(&process(
        r#"<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="gw"/><eventBasedGateway id="gw" eventGatewayType="Parallel"/>"#,
    ));
    assert_eq!(
        errs,
        ["a parallel event-based gateway is not supported yet"]
    );
}

#[test]
fn script_tasks_are_feel_or_jobs() {
    let p = clean(&around(
        r#"<scriptTask id="a"><extensionElements><zeebe:script expression="=1 + x" resultVariable="y"/></extensionElements></scriptTask>"#,
    ));
    let FlowNodeKind::ScriptTask(task) = &node(&p, "a").kind else {
        panic!("not a script task");
    };
    assert_eq!(task.expression.source(), "1 + x");
    assert_eq!(task.result_variable.as_deref(), Some("y"));
    let p = clean(&around(
        r#"<scriptTask id="a" scriptFormat="feel" camunda:resultVariable="y"><script>x * 2</script></scriptTask>"#,
    ));
    assert!(
        matches!(&node(&p, "a").kind, FlowNodeKind::ScriptTask(t) if t.expression.source() == "x * 2")
    );
    let p = clean(&around(
        r#"<scriptTask id="a"><extensionElements><zeebe:taskDefinition type="run-script"/></extensionElements></scriptTask>"#,
    ));
    assert!(matches!(&node(&p, "a").kind, FlowNodeKind::JobTask(_)));
    for (xml, message) in [
        (
            r#"<scriptTask id="a" scriptFormat="javascript"><script>1</script></scriptTask>"#,
            "script language \"javascript\" is not supported; write the script as FEEL (zeebe:script expression=\"=...\", or scriptFormat=\"feel\")",
        ),
        (
            r#"<scriptTask id="a"/>"#,
            "script task has no script: write the script as FEEL (zeebe:script expression=\"=...\", or scriptFormat=\"feel\")",
        ),
        (
            r#"<scriptTask id="a"><extensionElements><zeebe:script resultVariable="y"/></extensionElements></scriptTask>"#,
            "zeebe:script has no expression",
        ),
        (
            r#"<scriptTask id="a" scriptFormat="feel" camunda:resultVariable="${y}"><script>1</script></scriptTask>"#,
            "result variable \"${y}\" must be a variable name, not an expression",
        ),
    ] {
        assert_eq!(errors(&around(xml)), [message], "{xml}");
    }
}

#[test]
fn receive_tasks_wait_for_their_message_or_are_plain_wait_states() {
    let p = clean(&defs(
        r#"<message id="m" name="doc"/><process id="p"><startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
<receiveTask id="a" messageRef="m"/><sequenceFlow id="f2" sourceRef="a" targetRef="e"/><endEvent id="e"/></process>"#,
    ));
    assert!(
        matches!(&node(&p, "a").kind, FlowNodeKind::ReceiveTask(Some(m)) if m.name.source() == "doc")
    );
    // Without messageRef: a plain wait state (Camunda 7), no diagnostic.
    let p = clean(&around(r#"<receiveTask id="a"/>"#));
    assert!(matches!(
        &node(&p, "a").kind,
        FlowNodeKind::ReceiveTask(None)
    ));
    assert_eq!(
        errors(&around(r#"<receiveTask id="a" messageRef="nope"/>"#)),
        ["messageRef \"nope\" does not name a message"]
    );
}

#[test]
fn message_and_signal_events_without_a_reference_are_named_after_the_event() {
    let xml = around(
        r#"<intermediateCatchEvent id="a" name="Test Message"><messageEventDefinition/></intermediateCatchEvent>"#,
    );
    assert!(errors(&xml).is_empty());
    assert_eq!(
        warnings(&xml),
        [
            "messageEventDefinition has no messageRef: the message is named after the event (\"Test Message\")"
        ]
    );
    let p = common::parse_str(&xml).processes.remove(0);
    assert!(matches!(
        &node(&p, "a").kind,
        FlowNodeKind::IntermediateCatchEvent { trigger: EventTrigger::Message(m) } if m.name.source() == "Test Message"
    ));
    // No name: the id.
    let xml = around(
        r#"<intermediateThrowEvent id="a"><signalEventDefinition/></intermediateThrowEvent>"#,
    );
    assert!(errors(&xml).is_empty());
    let p = common::parse_str(&xml).processes.remove(0);
    assert!(matches!(
        &node(&p, "a").kind,
        FlowNodeKind::IntermediateThrowEvent { trigger: EventTrigger::Signal(s) } if s.name.source() == "a"
    ));
    // Reserved prefixes stay reserved.
    assert_eq!(
        errors(&around(
            r#"<intermediateCatchEvent id="a" name="trigger:x"><messageEventDefinition/></intermediateCatchEvent>"#
        )),
        [
            "the name of the message of this event (\"trigger:x\") starts with 'signal:', 'trigger:' or 'condition:', which are reserved"
        ]
    );
}

#[test]
fn link_throw_events_resolve_to_the_catch_of_their_scope() {
    let p = clean(&process(
        r#"<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="go"/>
<intermediateThrowEvent id="go"><linkEventDefinition name="L"/></intermediateThrowEvent>
<intermediateCatchEvent id="land"><linkEventDefinition name="L"/></intermediateCatchEvent>
<sequenceFlow id="f2" sourceRef="land" targetRef="e"/><endEvent id="e"/>"#,
    ));
    let FlowNodeKind::IntermediateThrowEvent {
        trigger: EventTrigger::Link(link),
    } = &node(&p, "go").kind
    else {
        panic!("not a link throw event");
    };
    assert_eq!(link.target, p.node_by_id("land"));
    let errs = errors(&process(
        r#"<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="go"/>
<intermediateThrowEvent id="go"><linkEventDefinition name="L"/></intermediateThrowEvent>
<sequenceFlow id="f2" sourceRef="go" targetRef="c1"/>
<intermediateCatchEvent id="c1"><linkEventDefinition name="L"/></intermediateCatchEvent>
<intermediateCatchEvent id="c2"><linkEventDefinition name="L"/></intermediateCatchEvent>
<endEvent id="e"><linkEventDefinition name="L"/></endEvent>"#,
    ));
    assert_eq!(
        errs,
        [
            "link throw event go cannot have outgoing sequence flows",
            "link catch event c1 cannot have incoming sequence flows",
            "link catch events c1 and c2 of the same scope share the name \"L\"",
            "an end event cannot have a linkEventDefinition",
        ]
    );
}

#[test]
fn escalations_resolve_to_their_code() {
    let p = clean(&defs(
        r#"<escalation id="esc" escalationCode="LATE"/><process id="p"><startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="sub"/>
<subProcess id="sub"><startEvent id="s2"/><sequenceFlow id="g1" sourceRef="s2" targetRef="up"/><endEvent id="up"><escalationEventDefinition escalationRef="esc"/></endEvent></subProcess>
<boundaryEvent id="b" attachedToRef="sub" cancelActivity="false"><escalationEventDefinition/></boundaryEvent>
<sequenceFlow id="f2" sourceRef="sub" targetRef="e"/><sequenceFlow id="f3" sourceRef="b" targetRef="e"/><endEvent id="e"/></process>"#,
    ));
    assert!(matches!(
        &node(&p, "up").kind,
        FlowNodeKind::EndEvent { result: EventTrigger::Escalation(x) } if x.code.as_deref() == Some("LATE")
    ));
    assert!(matches!(
        &node(&p, "b").kind,
        FlowNodeKind::BoundaryEvent { trigger: EventTrigger::Escalation(x), cancel_activity: false, .. } if x.code.is_none()
    ));
    assert_eq!(
        errors(&around(
            r#"<intermediateThrowEvent id="a"><escalationEventDefinition/></intermediateThrowEvent>"#
        )),
        [
            "escalation intermediate throw event needs an escalationRef to an escalation with an escalationCode"
        ]
    );
    assert_eq!(
        errors(&around(
            r#"<intermediateThrowEvent id="a"><escalationEventDefinition escalationRef="nope"/></intermediateThrowEvent>"#
        )),
        [
            "escalationRef \"nope\" does not name an escalation",
            "escalation intermediate throw event needs an escalationRef to an escalation with an escalationCode"
        ]
    );
    assert_eq!(
        errors(&around(
            r#"<intermediateCatchEvent id="a"><escalationEventDefinition/></intermediateCatchEvent>"#
        )),
        ["an intermediate catch event cannot have an escalationEventDefinition"]
    );
}

#[test]
fn multi_instance_characteristics_from_both_dialects() {
    let p = clean(&around(
        r#"<userTask id="a"><multiInstanceLoopCharacteristics isSequential="true"><extensionElements>
<zeebe:loopCharacteristics inputCollection="=items" inputElement="item" outputCollection="out" outputElement="=item * 2"/>
</extensionElements><completionCondition>=done</completionCondition></multiInstanceLoopCharacteristics></userTask>"#,
    ));
    let mi = node(&p, "a").multi_instance.as_ref().unwrap();
    assert!(mi.is_sequential);
    assert_eq!(mi.input_collection.as_ref().unwrap().source(), "items");
    assert_eq!(mi.input_element.as_deref(), Some("item"));
    assert_eq!(mi.output_collection.as_deref(), Some("out"));
    assert_eq!(mi.output_element.as_ref().unwrap().source(), "item * 2");
    assert_eq!(mi.completion_condition.as_ref().unwrap().source(), "done");
    assert_eq!(mi.loop_counter_start, 1);
    let p = clean(&around(
        r#"<task id="a"><multiInstanceLoopCharacteristics camunda:collection="items" camunda:elementVariable="item"/></task>"#,
    ));
    let mi = node(&p, "a").multi_instance.as_ref().unwrap();
    assert!(!mi.is_sequential);
    assert_eq!(mi.input_collection.as_ref().unwrap().source(), "items");
    assert_eq!(mi.loop_counter_start, 0);
    let p = clean(&around(
        r#"<task id="a"><multiInstanceLoopCharacteristics><loopCardinality>${n}</loopCardinality></multiInstanceLoopCharacteristics></task>"#,
    ));
    let mi = node(&p, "a").multi_instance.as_ref().unwrap();
    assert!(mi.loop_cardinality.as_ref().unwrap().is_juel());
    assert!(node(&p, "s").multi_instance.is_none());
    for (xml, message) in [
        (
            r#"<task id="a"><multiInstanceLoopCharacteristics/></task>"#,
            "multi-instance needs an input collection (zeebe:loopCharacteristics inputCollection, camunda:collection) or a loopCardinality",
        ),
        (
            r#"<task id="a"><multiInstanceLoopCharacteristics><extensionElements><zeebe:loopCharacteristics inputCollection="=x" outputCollection="o"/></extensionElements></multiInstanceLoopCharacteristics></task>"#,
            "zeebe:loopCharacteristics needs both outputCollection and outputElement, or neither",
        ),
        (
            r#"<task id="a"><multiInstanceLoopCharacteristics><loopDataInputRef>x</loopDataInputRef><loopDataOutputRef>y</loopDataOutputRef></multiInstanceLoopCharacteristics></task>"#,
            "loopDataOutputRef needs an outputDataItem: the variable whose value each inner instance contributes",
        ),
        (
            r#"<task id="a"><standardLoopCharacteristics/></task>"#,
            "standardLoopCharacteristics needs a loopCondition or a loopMaximum",
        ),
    ] {
        assert_eq!(errors(&around(xml)), [message], "{xml}");
    }
}

#[test]
fn conditional_events_read_camunda_variable_events() {
    let cond = |attrs: &str| {
        around(&format!(
            r#"<intermediateCatchEvent id="a"><conditionalEventDefinition {attrs}><condition>${{x &gt; 1}}</condition></conditionalEventDefinition></intermediateCatchEvent>"#
        ))
    };
    let p = clean(&cond(r#"camunda:variableEvents="create, delete""#));
    let FlowNodeKind::IntermediateCatchEvent {
        trigger: EventTrigger::Conditional(c),
    } = &node(&p, "a").kind
    else {
        panic!("not a conditional catch event");
    };
    assert_eq!(
        c.variable_events,
        Some(keel_bpmn::VariableEvents {
            create: true,
            update: false,
            delete: true
        })
    );
    assert_eq!(
        errors(&cond(r#"camunda:variableEvents="create, change""#)),
        ["camunda:variableEvents \"create, change\": \"change\" is not create, update or delete"]
    );
}

#[test]
fn process_level_conditional_start_events_deploy() {
    let p = clean(&process(
        r#"<startEvent id="s"><conditionalEventDefinition><condition>${ok}</condition></conditionalEventDefinition></startEvent>
<sequenceFlow id="f" sourceRef="s" targetRef="e"/><endEvent id="e"/>"#,
    ));
    assert!(matches!(
        &node(&p, "s").kind,
        FlowNodeKind::StartEvent {
            trigger: EventTrigger::Conditional(_),
            ..
        }
    ));
}

#[test]
fn data_objects_are_scope_variables_and_associations_mappings() {
    let p = clean(&process(
        r#"<dataObject id="order"/><dataObjectReference id="r" dataObjectRef="order"/><dataStoreReference id="db"/>
<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
<task id="t"><ioSpecification><dataInput id="input"/><dataOutput id="output"/><inputSet/><outputSet/></ioSpecification>
<dataInputAssociation><sourceRef>r</sourceRef><targetRef>input</targetRef></dataInputAssociation>
<dataInputAssociation><sourceRef>db</sourceRef><targetRef>input</targetRef></dataInputAssociation>
<dataOutputAssociation><sourceRef>output</sourceRef><targetRef>r</targetRef></dataOutputAssociation></task>
<sequenceFlow id="f2" sourceRef="t" targetRef="sub"/>
<subProcess id="sub"><dataObject id="draft"><extensionElements><camunda:value>new</camunda:value></extensionElements></dataObject>
<startEvent id="ss"/><sequenceFlow id="f3" sourceRef="ss" targetRef="se"/><endEvent id="se"/></subProcess>
<sequenceFlow id="f4" sourceRef="sub" targetRef="e"/><endEvent id="e"/>"#,
    ));
    let root = &p.scopes[0].data_objects;
    assert_eq!(
        root,
        &[keel_bpmn::DataObject {
            id: "order".into(),
            initial: None
        }]
    );
    assert_eq!(
        p.scopes[1].data_objects,
        [keel_bpmn::DataObject {
            id: "draft".into(),
            initial: Some("new".into())
        }]
    );
    let t = node(&p, "t");
    let inputs: Vec<(&str, &str)> = t
        .inputs
        .iter()
        .map(|m| (m.target.as_str(), m.source.source()))
        .collect();
    assert_eq!(inputs, [("input", "order")]);
    let outputs: Vec<(&str, &str)> = t
        .outputs
        .iter()
        .map(|m| (m.target.as_str(), m.source.source()))
        .collect();
    assert_eq!(outputs, [("order", "output")]);
    assert_eq!(
        errors(&around(
            r#"<task id="a"><dataInputAssociation><sourceRef>x</sourceRef><assignment/></dataInputAssociation></task>"#
        )),
        ["dataInputAssociation with an assignment or transformation is not supported yet"]
    );
}

#[test]
fn bpmn_multi_instance_data_maps_onto_collections() {
    let p = clean(&around(
        r#"<task id="a"><multiInstanceLoopCharacteristics><loopDataInputRef>items</loopDataInputRef>
<loopDataOutputRef>results</loopDataOutputRef><inputDataItem id="item" name="an item"/><outputDataItem id="result"/>
</multiInstanceLoopCharacteristics></task>"#,
    ));
    let mi = node(&p, "a").multi_instance.as_ref().unwrap();
    assert_eq!(
        mi.input_collection.as_ref().map(|e| e.source()),
        Some("items")
    );
    assert_eq!(mi.input_element.as_deref(), Some("item"));
    assert_eq!(mi.output_collection.as_deref(), Some("results"));
    assert_eq!(
        mi.output_element.as_ref().map(|e| e.source()),
        Some("result")
    );
    assert_eq!(mi.output_item.as_deref(), Some("result"));
    assert_eq!(
        errors(&around(
            r#"<task id="a"><multiInstanceLoopCharacteristics><loopCardinality>2</loopCardinality><outputDataItem id="r"/></multiInstanceLoopCharacteristics></task>"#
        )),
        ["outputDataItem needs a loopDataOutputRef: the variable that collects the items"]
    );
    assert_eq!(
        errors(&around(
            r#"<task id="a"><multiInstanceLoopCharacteristics><loopCardinality>2</loopCardinality><loopDataInputRef>x</loopDataInputRef></multiInstanceLoopCharacteristics></task>"#
        )),
        ["multi-instance has both a loopCardinality and a loopDataInputRef: give exactly one"]
    );
}

#[test]
fn camunda_io_mappings_on_event_sub_processes_are_refused() {
    assert_eq!(
        errors(&around(
            r#"<task id="a"/><subProcess id="esp" triggeredByEvent="true"><extensionElements><camunda:inputOutput><camunda:inputParameter name="v">x</camunda:inputParameter></camunda:inputOutput></extensionElements>
<startEvent id="es"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></startEvent><sequenceFlow id="ef" sourceRef="es" targetRef="ee"/><endEvent id="ee"/></subProcess>"#
        )),
        [
            "camunda:inputOutput is not supported on an event sub-process (triggeredByEvent=\"true\")"
        ]
    );
}
