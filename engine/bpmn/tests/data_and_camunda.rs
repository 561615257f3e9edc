//! Camunda 7 attributes users rely on (initiator, error and escalation variables, error
//! messages, forms, durations as dates) and BPMN data (properties, process data inputs and
//! outputs, `itemSubjectRef`): what the parser reads, and what it refuses with which message at
//! which element.

mod common;

use common::{around, clean, defs, dump, error_with, node, parse_str, process, warnings};
use keel_bpmn::{EventTrigger, FlowNodeKind, FormRefBinding, Text};

#[test]
fn initiator_is_read_from_a_start_event_of_the_process() {
    let p = clean(&process(
        r#"<startEvent id="s" camunda:initiator="starter"/><sequenceFlow id="f" sourceRef="s" targetRef="e"/><endEvent id="e"/>"#,
    ));
    assert_eq!(p.initiator.as_deref(), Some("starter"));
    let parsed = parse_str(&process(
        r#"<startEvent id="s" camunda:initiator="${who}"/><sequenceFlow id="f" sourceRef="s" targetRef="e"/><endEvent id="e"/>"#,
    ));
    let d = error_with(&parsed, "camunda:initiator names a variable");
    assert_eq!(d.element_id.as_deref(), Some("s"));
    // On a sub-process's start event it means nothing: a warning says so.
    let xml = process(
        r#"<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="sub"/>
<subProcess id="sub"><startEvent id="in" camunda:initiator="who"/><sequenceFlow id="g" sourceRef="in" targetRef="ie"/><endEvent id="ie"/></subProcess>
<sequenceFlow id="f2" sourceRef="sub" targetRef="e"/><endEvent id="e"/>"#,
    );
    let parsed = parse_str(&xml);
    assert!(!parsed.has_errors(), "{}", dump(&parsed));
    assert_eq!(parsed.processes[0].initiator, None);
    assert!(
        warnings(&xml)
            .iter()
            .any(|w| w.starts_with("camunda:initiator on in is ignored")),
        "{:?}",
        warnings(&xml)
    );
}

#[test]
fn error_and_escalation_catch_events_name_their_variables() {
    let xml = defs(
        r#"<error id="err" errorCode="E1" camunda:errorMessage="failed: ${reason}"/><escalation id="esc" escalationCode="X1"/>
<process id="p" isExecutable="true"><startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="sub"/>
<subProcess id="sub"><startEvent id="in"/><sequenceFlow id="g" sourceRef="in" targetRef="boom"/><endEvent id="boom"><errorEventDefinition errorRef="err"/></endEvent></subProcess>
<boundaryEvent id="caught" attachedToRef="sub"><errorEventDefinition errorRef="err" camunda:errorCodeVariable="code" camunda:errorMessageVariable="msg"/></boundaryEvent>
<boundaryEvent id="up" attachedToRef="sub" cancelActivity="false"><escalationEventDefinition escalationRef="esc" camunda:escalationCodeVariable="escCode"/></boundaryEvent>
<sequenceFlow id="f2" sourceRef="sub" targetRef="e"/><sequenceFlow id="f3" sourceRef="caught" targetRef="e"/><sequenceFlow id="f4" sourceRef="up" targetRef="e"/><endEvent id="e"/></process>"#,
    );
    let p = clean(&xml);
    let FlowNodeKind::BoundaryEvent {
        trigger: EventTrigger::Error(error),
        ..
    } = &node(&p, "caught").kind
    else {
        panic!("caught is an error boundary event");
    };
    assert_eq!(error.code.as_deref(), Some("E1"));
    assert_eq!(error.code_variable.as_deref(), Some("code"));
    assert_eq!(error.message_variable.as_deref(), Some("msg"));
    let FlowNodeKind::EndEvent {
        result: EventTrigger::Error(thrown),
    } = &node(&p, "boom").kind
    else {
        panic!("boom is an error end event");
    };
    assert!(matches!(&thrown.message, Some(Text::Expr(e)) if e.source() == "failed: ${reason}"));
    let FlowNodeKind::BoundaryEvent {
        trigger: EventTrigger::Escalation(escalation),
        ..
    } = &node(&p, "up").kind
    else {
        panic!("up is an escalation boundary event");
    };
    assert_eq!(escalation.code_variable.as_deref(), Some("escCode"));
    let bad = xml.replace(
        r#"camunda:errorCodeVariable="code""#,
        r#"camunda:errorCodeVariable="${x}""#,
    );
    let parsed = parse_str(&bad);
    let d = error_with(&parsed, "camunda:errorCodeVariable names a variable");
    assert_eq!(d.element_id.as_deref(), Some("caught"));
    let empty = xml.replace(
        r#"camunda:escalationCodeVariable="escCode""#,
        r#"camunda:escalationCodeVariable=" ""#,
    );
    let parsed = parse_str(&empty);
    let d = error_with(&parsed, "camunda:escalationCodeVariable is empty");
    assert_eq!(d.element_id.as_deref(), Some("up"));
}

#[test]
fn form_references_and_their_bindings() {
    let task = |attrs: &str| around(&format!(r#"<userTask id="a" {attrs}/>"#));
    let p = clean(&task(
        r#"camunda:formRef="invoice" camunda:formRefBinding="version" camunda:formRefVersion="3""#,
    ));
    let FlowNodeKind::UserTask(t) = &node(&p, "a").kind else {
        panic!("a is a user task");
    };
    assert_eq!(t.form_key.as_deref(), Some("invoice"));
    let form = t.form_ref.as_ref().expect("a form reference");
    assert_eq!(form.key, "invoice");
    assert_eq!(form.binding, FormRefBinding::Version(3));
    let p = clean(&task(r#"camunda:formRef="invoice""#));
    let FlowNodeKind::UserTask(t) = &node(&p, "a").kind else {
        panic!("a is a user task");
    };
    assert_eq!(
        t.form_ref.as_ref().map(|f| f.binding),
        Some(FormRefBinding::Latest)
    );
    let parsed = parse_str(&task(
        r#"camunda:formRef="f" camunda:formRefBinding="unsupported""#,
    ));
    let d = error_with(
        &parsed,
        "camunda:formRefBinding \"unsupported\" is not one of deployment, latest, version",
    );
    assert_eq!(d.element_id.as_deref(), Some("a"));
    error_with(
        &parse_str(&task(
            r#"camunda:formRef="f" camunda:formRefBinding="version""#,
        )),
        "camunda:formRefBinding=\"version\" needs camunda:formRefVersion, a whole number",
    );
    error_with(
        &parse_str(&task(r#"camunda:formKey="k" camunda:formRef="f""#)),
        "only one of camunda:formKey and camunda:formRef is allowed",
    );
    // Start events are checked the same way.
    let parsed = parse_str(&process(
        r#"<startEvent id="s" camunda:formRef="f" camunda:formRefBinding="nope"/><sequenceFlow id="f1" sourceRef="s" targetRef="e"/><endEvent id="e"/>"#,
    ));
    let d = error_with(&parsed, "camunda:formRefBinding \"nope\"");
    assert_eq!(d.element_id.as_deref(), Some("s"));
}

#[test]
fn a_time_date_may_be_a_duration_from_now() {
    let catch = |value: &str| {
        around(&format!(
            r#"<intermediateCatchEvent id="a"><timerEventDefinition><timeDate>{value}</timeDate></timerEventDefinition></intermediateCatchEvent>"#
        ))
    };
    clean(&catch("PT1H"));
    clean(&catch("2030-01-31T09:00:00Z"));
    error_with(
        &parse_str(&catch("soon")),
        "timeDate \"soon\" is not an iso 8601 date-time",
    );
}

#[test]
fn properties_of_processes_and_sub_processes_are_variables_of_their_scope() {
    let p = clean(&process(
        r#"<property id="total"/><startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="sub"/>
<subProcess id="sub"><property id="partial"/><startEvent id="in"/><sequenceFlow id="g" sourceRef="in" targetRef="ie"/><endEvent id="ie"/></subProcess>
<sequenceFlow id="f2" sourceRef="sub" targetRef="e"/><endEvent id="e"/>"#,
    ));
    let ids = |s: usize| -> Vec<&str> {
        p.scopes[s]
            .data_objects
            .iter()
            .map(|d| d.id.as_str())
            .collect()
    };
    assert_eq!(ids(0), ["total"]);
    assert_eq!(ids(1), ["partial"]);
    assert!(p.scopes[1].data_objects[0].initial.is_none());
}

#[test]
fn process_data_inputs_and_outputs_are_read_by_id() {
    let p = clean(&defs(
        r#"<itemDefinition id="num" structureRef="xsd:int"/><process id="p" isExecutable="true">
<ioSpecification><dataInput id="in_1" name="input 1" itemSubjectRef="num"/><dataInput id="in_2"/><dataOutput id="out_1"/>
<inputSet><dataInputRefs>in_1</dataInputRefs><dataInputRefs>in_2</dataInputRefs></inputSet><outputSet><dataOutputRefs>out_1</dataOutputRefs></outputSet></ioSpecification>
<startEvent id="s"/><sequenceFlow id="f" sourceRef="s" targetRef="e"/><endEvent id="e"/></process>"#,
    ));
    assert_eq!(p.data_inputs, ["in_1", "in_2"]);
    assert_eq!(p.data_outputs, ["out_1"]);
}

#[test]
fn an_item_subject_ref_names_an_item_definition() {
    let xml = |items: &str| {
        defs(&format!(
            r#"{items}<process id="p" isExecutable="true"><dataObject id="total" itemSubjectRef="money"/>
<startEvent id="s"/><sequenceFlow id="f" sourceRef="s" targetRef="e"/><endEvent id="e"/></process>"#
        ))
    };
    clean(&xml(
        r#"<itemDefinition id="money" structureRef="xsd:decimal"/>"#,
    ));
    // A prefixed reference names a type from elsewhere (Flowable and Activiti write XML Schema
    // types so): accepted.
    clean(&xml("").replace("itemSubjectRef=\"money\"", "itemSubjectRef=\"xsd:string\""));
    let parsed = parse_str(&xml(""));
    let d = error_with(
        &parsed,
        "itemSubjectRef \"money\" of dataObject does not name an itemDefinition",
    );
    assert_eq!(d.element_id.as_deref(), Some("total"));
}

#[test]
fn associations_may_name_process_data_inputs_outputs_and_stores_of_other_pools() {
    // As ARIS, GenMyModel and the Camunda Eclipse plugin export them: a task reads the
    // process's data input and writes its data output; a reference without `dataObjectRef`
    // stands for a variable of its own; a data store drawn in another pool is ignored.
    let xml = defs(
        r#"<collaboration id="c"><participant id="a" processRef="p"/><participant id="b" processRef="other"/></collaboration>
<process id="p" isExecutable="true">
<ioSpecification><dataInput id="ID-request"/><dataOutput id="ID-itinerary"/><inputSet><dataInputRefs>ID-request</dataInputRefs></inputSet><outputSet><dataOutputRefs>ID-itinerary</dataOutputRefs></outputSet></ioSpecification>
<dataObjectReference id="loose"/>
<startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
<task id="t"><ioSpecification><dataInput id="t_in"/><dataInput id="t_in2"/><dataOutput id="t_out"/><inputSet><dataInputRefs>t_in</dataInputRefs><dataInputRefs>t_in2</dataInputRefs></inputSet><outputSet><dataOutputRefs>t_out</dataOutputRefs></outputSet></ioSpecification>
<dataInputAssociation><sourceRef>ID-request</sourceRef><targetRef>t_in</targetRef></dataInputAssociation>
<dataInputAssociation><sourceRef>loose</sourceRef><targetRef>t_in2</targetRef></dataInputAssociation>
<dataOutputAssociation><sourceRef>t_out</sourceRef><targetRef>ID-itinerary</targetRef></dataOutputAssociation>
<dataOutputAssociation><sourceRef>t_out</sourceRef><targetRef>archive</targetRef></dataOutputAssociation></task>
<sequenceFlow id="f2" sourceRef="t" targetRef="e"/><endEvent id="e"/></process>
<process id="other" isExecutable="false"><dataStoreReference id="archive"/></process>"#,
    );
    let parsed = parse_str(&xml);
    assert!(parsed.diagnostics.is_empty(), "{}", dump(&parsed));
    let p = parsed
        .processes
        .iter()
        .find(|p| p.key == "p")
        .expect("process p");
    let t = node(p, "t");
    let inputs: Vec<(&str, &str)> = t
        .inputs
        .iter()
        .map(|m| (m.target.as_str(), m.source.source()))
        .collect();
    assert_eq!(inputs, [("t_in", "ID-request"), ("t_in2", "loose")]);
    let outputs: Vec<(&str, &str)> = t
        .outputs
        .iter()
        .map(|m| (m.target.as_str(), m.source.source()))
        .collect();
    assert_eq!(outputs, [("ID-itinerary", "t_out")]);
}
