//! `zeebe:` and `camunda:` extensions, and the expression dialect rules.
#![allow(clippy::panic)] // test helpers fail the test by panicking

mod common;

use common::{around, clean, defs, dump, error_with, node, parse_str, process};
use keel_bpmn::{ErrorRef, EventTrigger, FlowNodeKind, JobTask, Text, UserTask};

fn job(p: &keel_bpmn::ProcessDefinition) -> &JobTask {
    match &node(p, "a").kind {
        FlowNodeKind::JobTask(j) => j,
        other => panic!("not a job task: {other:?}"),
    }
}

fn user(p: &keel_bpmn::ProcessDefinition) -> &UserTask {
    match &node(p, "a").kind {
        FlowNodeKind::UserTask(u) => u,
        other => panic!("not a user task: {other:?}"),
    }
}

fn text(t: &Option<Text>) -> Option<(&str, bool)> {
    t.as_ref().map(|t| (t.source(), matches!(t, Text::Expr(_))))
}

#[test]
fn zeebe_task_definition_and_headers() {
    let p = clean(&around(
        r#"<serviceTask id="a"><extensionElements>
<zeebe:taskDefinition type="payment" retries="5"/>
<zeebe:taskHeaders><zeebe:header key="k1" value="v1"/><zeebe:header key="k2" value="=not evaluated"/></zeebe:taskHeaders>
</extensionElements></serviceTask>"#,
    ));
    let j = job(&p);
    assert!(matches!(&j.job_type, Text::Static(t) if t == "payment"));
    assert_eq!(text(&j.retries), Some(("5", false)));
    assert_eq!(
        j.headers,
        [
            ("k1".to_owned(), "v1".to_owned()),
            ("k2".to_owned(), "=not evaluated".to_owned())
        ]
    );
    let p = clean(&around(
        r#"<sendTask id="a"><extensionElements><zeebe:taskDefinition type="=&quot;mail-&quot; + region" retries="=r"/></extensionElements></sendTask>"#,
    ));
    assert!(matches!(&job(&p).job_type, Text::Expr(e) if e.source() == "\"mail-\" + region"));
    assert_eq!(text(&job(&p).retries), Some(("r", true)));
}

#[test]
fn camunda_external_task_topic_is_the_job_type() {
    let p = clean(&around(
        r#"<businessRuleTask id="a" camunda:type="external" camunda:topic="scoring" camunda:asyncBefore="true"/>"#,
    ));
    assert!(matches!(&job(&p).job_type, Text::Static(t) if t == "scoring"));
    let parsed = parse_str(&around(r#"<serviceTask id="a" camunda:type="external"/>"#));
    error_with(&parsed, "camunda:type=\"external\" needs a camunda:topic");
}

#[test]
fn task_without_job_type_is_an_error() {
    let parsed = parse_str(&around(r#"<serviceTask id="a"/>"#));
    let d = error_with(
        &parsed,
        "service task has no job type: add zeebe:taskDefinition type or camunda:type=\"external\" camunda:topic",
    );
    assert_eq!(d.element_id.as_deref(), Some("a"));
    error_with(
        &parse_str(&around(r#"<sendTask id="a"/>"#)),
        "send task has no job type",
    );
    error_with(
        &parse_str(&around(
            r#"<serviceTask id="a"><extensionElements><zeebe:taskDefinition retries="3"/></extensionElements></serviceTask>"#,
        )),
        "zeebe:taskDefinition has no type",
    );
}

#[test]
fn code_running_implementations_are_refused_with_an_alternative() {
    for (attrs, needle) in [
        (
            r#"camunda:class="com.example.Delegate""#,
            "camunda:class runs java code",
        ),
        (
            r#"camunda:delegateExpression="${bean}""#,
            "camunda:delegateExpression runs java code",
        ),
        (
            r#"camunda:expression="${bean.call()}""#,
            "camunda:expression on a service task is not supported",
        ),
        (
            r#"camunda:type="mail""#,
            "camunda:type=\"mail\" is not supported",
        ),
    ] {
        let parsed = parse_str(&around(&format!(r#"<serviceTask id="a" {attrs}/>"#)));
        let d = error_with(&parsed, needle);
        assert!(
            d.message
                .contains("use a job worker (zeebe:taskDefinition type"),
            "{}",
            d.message
        );
        assert_eq!(parsed.errors().count(), 1, "{}", dump(&parsed));
    }
    let parsed = parse_str(&around(
        r#"<serviceTask id="a"><extensionElements><camunda:connector><camunda:connectorId>http-connector</camunda:connectorId></camunda:connector></extensionElements></serviceTask>"#,
    ));
    error_with(
        &parsed,
        "camunda:connector is not supported; use a job worker",
    );
    let parsed = parse_str(&around(
        r#"<businessRuleTask id="a" camunda:decisionRef="dish"/>"#,
    ));
    error_with(&parsed, "dmn decisions are not supported yet");
}

#[test]
fn listeners_that_run_code_are_refused() {
    let parsed = parse_str(&around(
        r#"<userTask id="a"><extensionElements>
<camunda:taskListener event="create" class="com.example.L"/>
<camunda:executionListener event="start"><camunda:script scriptFormat="groovy">x</camunda:script></camunda:executionListener>
</extensionElements></userTask>"#,
    ));
    error_with(
        &parsed,
        "camunda:taskListener with camunda:class (java code) is not supported",
    );
    error_with(
        &parsed,
        "camunda:executionListener with a script is not supported",
    );
}

#[test]
fn zeebe_user_task_attributes() {
    let p = clean(&around(
        r#"<userTask id="a"><extensionElements>
<zeebe:assignmentDefinition assignee="=initiator" candidateGroups="sales, ops" candidateUsers="=[&quot;a&quot;]"/>
<zeebe:taskSchedule dueDate="2030-01-31T09:00:00Z" followUpDate="=now() + duration(&quot;P1D&quot;)"/>
<zeebe:priorityDefinition priority="60"/>
<zeebe:formDefinition formId="approval-form"/>
<zeebe:userTask/>
</extensionElements></userTask>"#,
    ));
    let u = user(&p);
    assert_eq!(text(&u.assignee), Some(("initiator", true)));
    assert_eq!(text(&u.candidate_groups), Some(("sales, ops", false)));
    assert_eq!(text(&u.candidate_users), Some(("[\"a\"]", true)));
    assert_eq!(text(&u.due_date), Some(("2030-01-31T09:00:00Z", false)));
    assert_eq!(
        text(&u.follow_up_date),
        Some(("now() + duration(\"P1D\")", true))
    );
    assert_eq!(text(&u.priority), Some(("60", false)));
    assert_eq!(u.form_key.as_deref(), Some("approval-form"));
}

#[test]
fn camunda_user_task_attributes() {
    let p = clean(&around(
        r#"<userTask id="a" camunda:assignee="demo" camunda:candidateUsers="u1,u2" camunda:candidateGroups="management" camunda:dueDate="2030-01-31T09:00:00" camunda:followUpDate="2030-01-30T09:00:00" camunda:priority="10" camunda:formKey="embedded:app:forms/a.html"/>"#,
    ));
    let u = user(&p);
    assert_eq!(text(&u.assignee), Some(("demo", false)));
    assert_eq!(text(&u.candidate_users), Some(("u1,u2", false)));
    assert_eq!(text(&u.candidate_groups), Some(("management", false)));
    assert_eq!(text(&u.due_date), Some(("2030-01-31T09:00:00", false)));
    assert_eq!(
        text(&u.follow_up_date),
        Some(("2030-01-30T09:00:00", false))
    );
    assert_eq!(text(&u.priority), Some(("10", false)));
    assert_eq!(u.form_key.as_deref(), Some("embedded:app:forms/a.html"));
    let parsed = parse_str(&around(r#"<userTask id="a" camunda:priority="high"/>"#));
    error_with(&parsed, "user task priority \"high\" is not a whole number");
}

#[test]
fn camunda7_expressions_are_parsed() {
    let p = clean(&around(
        r##"<userTask id="a" camunda:assignee="${initiator}" camunda:candidateGroups="team-${region}" camunda:dueDate="#{due}"/>"##,
    ));
    let u = user(&p);
    assert_eq!(text(&u.assignee), Some(("${initiator}", true)));
    assert_eq!(text(&u.candidate_groups), Some(("team-${region}", true)));
    assert_eq!(text(&u.due_date), Some(("#{due}", true)));
    let flow = |cond: &str| {
        process(&format!(
            r#"<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="g"/><exclusiveGateway id="g" default="f2"/>
<sequenceFlow id="f1" sourceRef="g" targetRef="e"><conditionExpression xsi:type="tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{cond}</conditionExpression></sequenceFlow>
<sequenceFlow id="f2" sourceRef="g" targetRef="e"/><endEvent id="e"/>"#
        ))
    };
    for ok in [
        "${amount &gt; 10}",
        "${approved}",
        "#{amount gt 10 &amp;&amp; not empty customer.name}",
        "${execution.getVariable('x') == 'y'}",
        "${status == 'ok' ? true : false}",
    ] {
        let p = clean(&flow(ok));
        let c = p
            .flows
            .iter()
            .find(|f| f.id == "f1")
            .and_then(|f| f.condition.as_ref());
        assert!(c.is_some_and(|c| c.is_juel()), "{ok}");
    }
    let parsed = parse_str(&flow("${amount &gt; }"));
    let d = error_with(
        &parsed,
        "invalid camunda 7 expression \"${amount > }\" in conditionExpression",
    );
    assert!(
        d.message
            .contains("(at line 1, column 12 of the expression)"),
        "{}",
        d.message
    );
    assert_eq!(d.element_id.as_deref(), Some("f1"));
    assert_eq!(parsed.errors().count(), 1, "{}", dump(&parsed));
    let parsed = parse_str(&flow("${myService.approve(execution)}"));
    error_with(
        &parsed,
        "method calls are not supported in keel (only execution.getVariable, getProcessBusinessKey, getProcessInstanceId); use FEEL",
    );
    let parsed = parse_str(&around(
        r#"<userTask id="a" camunda:assignee="${execution.setVariable('a', 1)}"/>"#,
    ));
    let d = error_with(&parsed, "method calls are not supported in keel");
    assert!(
        d.message.starts_with("invalid camunda 7 expression"),
        "{}",
        d.message
    );
}

#[test]
fn camunda7_expressions_evaluate() {
    use keel_feel::{Env, Value};
    let p = clean(&process(
        r#"<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="g"/><exclusiveGateway id="g" default="f2"/>
<sequenceFlow id="f1" sourceRef="g" targetRef="e"><conditionExpression>${amount &gt; 1000}</conditionExpression></sequenceFlow>
<sequenceFlow id="f2" sourceRef="g" targetRef="e"/><endEvent id="e"/>"#,
    ));
    let cond = p
        .flows
        .iter()
        .find(|f| f.id == "f1")
        .and_then(|f| f.condition.clone())
        .unwrap();
    let run = |vars: serde_json::Value| {
        let map = vars.as_object().cloned().unwrap_or_default();
        let env = Env {
            variables: &map,
            now: "2026-03-15T10:30:00+01:00[Europe/Paris]".parse().unwrap(),
        };
        cond.evaluate(&env)
    };
    assert_eq!(
        run(serde_json::json!({"amount": 1500})),
        Ok(Value::Bool(true))
    );
    assert_eq!(
        run(serde_json::json!({"amount": "999"})),
        Ok(Value::Bool(false))
    );
    let err = run(serde_json::json!({})).unwrap_err();
    assert_eq!(err.message, "unknown property used in expression: amount");
}

#[test]
fn condition_languages() {
    let flow = |cond: &str| {
        process(&format!(
            r#"<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="g"/><exclusiveGateway id="g" default="f2"/>
<sequenceFlow id="f1" sourceRef="g" targetRef="e">{cond}</sequenceFlow><sequenceFlow id="f2" sourceRef="g" targetRef="e"/><endEvent id="e"/>"#
        ))
    };
    for ok in [
        "<conditionExpression>=x &gt; 1</conditionExpression>",
        "<conditionExpression>x &gt; 1</conditionExpression>",
        "<conditionExpression language=\"feel\">x &gt; 1</conditionExpression>",
        "<conditionExpression language=\"FEEL\">x &gt; 1</conditionExpression>",
        "<conditionExpression language=\"http://www.omg.org/spec/FEEL/20140401\">x &gt; 1</conditionExpression>",
    ] {
        let p = clean(&flow(ok));
        let f1 = p
            .flows
            .iter()
            .find(|f| f.id == "f1")
            .and_then(|f| f.condition.as_ref());
        assert_eq!(f1.map(|c| c.source()), Some("x > 1"), "{ok}");
    }
    let parsed = parse_str(&flow(
        "<conditionExpression language=\"javascript\">x &gt; 1</conditionExpression>",
    ));
    error_with(
        &parsed,
        "conditionExpression is written in \"javascript\", which is not supported; use FEEL (=...)",
    );
    // XPath on the definitions is the spec's default, written out by modelers: ignored, as in
    // Camunda 7 (the condition is FEEL here); on the condition itself it is refused.
    let xpath = flow("<conditionExpression>x &gt; 1</conditionExpression>").replace(
        " id=\"defs\"",
        " id=\"defs\" expressionLanguage=\"http://www.w3.org/1999/XPath\"",
    );
    assert!(xpath.contains("expressionLanguage"));
    let p = clean(&xpath);
    let f1 = p.flows.iter().find(|f| f.id == "f1");
    assert_eq!(
        f1.and_then(|f| f.condition.as_ref()).map(|c| c.source()),
        Some("x > 1")
    );
    error_with(
        &parse_str(&flow(
            "<conditionExpression language=\"http://www.w3.org/1999/XPath\">x &gt; 1</conditionExpression>",
        )),
        "written in \"http://www.w3.org/1999/XPath\"",
    );
    let dmn_feel = flow(
        "<conditionExpression language=\"https://www.omg.org/spec/DMN/20191111/FEEL/\">x</conditionExpression>",
    );
    clean(&dmn_feel);
    let parsed = parse_str(&flow("<conditionExpression>=x &gt;</conditionExpression>"));
    let d = error_with(
        &parsed,
        "invalid FEEL expression \"x >\" in conditionExpression",
    );
    assert!(d.message.contains("line 1, column"), "{}", d.message);
    assert_eq!(d.element_id.as_deref(), Some("f1"));
}

#[test]
fn zeebe_io_mappings() {
    let p = clean(&around(
        r#"<task id="a"><extensionElements><zeebe:ioMapping>
<zeebe:input source="=order.total" target="amount"/>
<zeebe:input source="EUR" target="currency"/>
<zeebe:input source="42" target="answer"/>
<zeebe:output source="=result" target="order.result"/>
</zeebe:ioMapping></extensionElements></task>"#,
    ));
    let a = node(&p, "a");
    let ins: Vec<(&str, &str)> = a
        .inputs
        .iter()
        .map(|m| (m.source.source(), m.target.as_str()))
        .collect();
    assert_eq!(
        ins,
        [
            ("order.total", "amount"),
            ("\"EUR\"", "currency"),
            ("42", "answer")
        ]
    );
    assert_eq!(a.outputs[0].source.source(), "result");
    assert_eq!(a.outputs[0].target, "order.result");
    let parsed = parse_str(&around(
        r#"<task id="a"><extensionElements><zeebe:ioMapping><zeebe:input source="=x"/></zeebe:ioMapping></extensionElements></task>"#,
    ));
    error_with(&parsed, "zeebe:input needs a source and a target");
}

#[test]
fn camunda_input_output() {
    let p = clean(&around(
        r#"<task id="a"><extensionElements><camunda:inputOutput>
<camunda:inputParameter name="greeting">say "hi"</camunda:inputParameter>
<camunda:inputParameter name="nothing"/>
<camunda:outputParameter name="out">done</camunda:outputParameter>
</camunda:inputOutput></extensionElements></task>"#,
    ));
    let a = node(&p, "a");
    let ins: Vec<(&str, &str)> = a
        .inputs
        .iter()
        .map(|m| (m.source.source(), m.target.as_str()))
        .collect();
    assert_eq!(ins, [(r#""say \"hi\"""#, "greeting"), ("null", "nothing")]);
    assert_eq!(a.outputs[0].source.source(), "\"done\"");
    let parsed = parse_str(&around(
        r#"<task id="a"><extensionElements><camunda:inputOutput><camunda:inputParameter name="x">${y}</camunda:inputParameter>
<camunda:inputParameter name="s"><camunda:script scriptFormat="groovy">1</camunda:script></camunda:inputParameter></camunda:inputOutput></extensionElements></task>"#,
    ));
    assert_eq!(parsed.errors().count(), 1, "{}", dump(&parsed));
    error_with(
        &parsed,
        "camunda:script in camunda:inputParameter \"s\" is not supported yet",
    );
}

#[test]
fn message_names_and_correlation_keys() {
    let xml = |name: &str, key: &str| {
        defs(&format!(
            r#"<message id="m" name="{name}"><extensionElements><zeebe:subscription correlationKey="{key}"/></extensionElements></message>
<process id="p"><startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
<intermediateCatchEvent id="a"><messageEventDefinition messageRef="m"/></intermediateCatchEvent>
<sequenceFlow id="f2" sourceRef="a" targetRef="e"/><endEvent id="e"/></process>"#
        ))
    };
    let p = clean(&xml("paid", "=order.id"));
    let FlowNodeKind::IntermediateCatchEvent {
        trigger: keel_bpmn::EventTrigger::Message(m),
    } = &node(&p, "a").kind
    else {
        panic!("not a message catch event");
    };
    assert!(matches!(&m.name, Text::Static(n) if n == "paid"));
    assert_eq!(
        m.correlation_key.as_ref().map(|k| k.source()),
        Some("order.id")
    );
    let p = clean(&xml("paid", "fixed-key"));
    let FlowNodeKind::IntermediateCatchEvent {
        trigger: keel_bpmn::EventTrigger::Message(m),
    } = &node(&p, "a").kind
    else {
        panic!("not a message catch event");
    };
    assert_eq!(
        m.correlation_key.as_ref().map(|k| k.source()),
        Some("\"fixed-key\"")
    );
    let p = clean(&xml("${name}", "=k"));
    let FlowNodeKind::IntermediateCatchEvent {
        trigger: keel_bpmn::EventTrigger::Message(m),
    } = &node(&p, "a").kind
    else {
        panic!("not a message catch event");
    };
    assert!(matches!(&m.name, Text::Expr(e) if e.is_juel() && e.source() == "${name}"));
    error_with(&parse_str(&xml("", "=k")), "message \"m\" has no name");
    let parsed = parse_str(&defs(
        r#"<process id="p"><startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
<intermediateCatchEvent id="a"><messageEventDefinition messageRef="nope"/></intermediateCatchEvent>
<sequenceFlow id="f2" sourceRef="a" targetRef="e"/><endEvent id="e"/></process>"#,
    ));
    error_with(&parsed, "messageRef \"nope\" does not name a message");
}

#[test]
fn error_end_events_need_a_code() {
    let parsed = parse_str(&process(
        r#"<startEvent id="s"/><sequenceFlow id="f" sourceRef="s" targetRef="e"/><endEvent id="e"><errorEventDefinition/></endEvent>"#,
    ));
    error_with(
        &parsed,
        "error end event needs an errorRef to an error with an errorCode",
    );
    let parsed = parse_str(&process(
        r#"<startEvent id="s"/><sequenceFlow id="f" sourceRef="s" targetRef="e"/><endEvent id="e"><errorEventDefinition errorRef="ghost"/></endEvent>"#,
    ));
    // As in Camunda 7, a reference naming no error element is the error code itself.
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    let def = &parsed.processes[0];
    let end = def.node(def.node_by_id("e").unwrap());
    assert!(matches!(
        &end.kind,
        FlowNodeKind::EndEvent {
            result: EventTrigger::Error(ErrorRef { code: Some(c), .. })
        } if c == "ghost"
    ));
}

#[test]
fn camunda_job_priority_must_be_a_number() {
    let parsed = parse_str(&around(
        r#"<manualTask id="a" camunda:jobPriority="urgent"/>"#,
    ));
    error_with(
        &parsed,
        "camunda:jobPriority \"urgent\" is not a whole number",
    );
    clean(&around(
        r#"<manualTask id="a" camunda:jobPriority="7" camunda:asyncAfter="true" camunda:exclusive="false"/>"#,
    ));
}

#[test]
fn camunda_failed_job_retry_time_cycle() {
    let p = clean(&around(
        r#"<serviceTask id="a" camunda:type="external" camunda:topic="keel:http"><extensionElements>
<camunda:failedJobRetryTimeCycle>R5/PT10S</camunda:failedJobRetryTimeCycle>
</extensionElements></serviceTask>"#,
    ));
    let cycle = job(&p).retry_cycle.clone().expect("a retry cycle");
    assert_eq!(cycle.retries(), 5);
    assert_eq!(cycle.backoff_ms, vec![10_000; 5]);
    let p = clean(&around(
        r#"<serviceTask id="a" camunda:type="external" camunda:topic="t"><extensionElements>
<camunda:failedJobRetryTimeCycle>PT1S, PT1M,P1D</camunda:failedJobRetryTimeCycle>
</extensionElements></serviceTask>"#,
    ));
    let cycle = job(&p).retry_cycle.clone().expect("a retry cycle");
    assert_eq!(cycle.backoff_ms, vec![1_000, 60_000, 86_400_000]);
    // Three retries left: the first retry waits the first entry; then the second, the third.
    assert_eq!(cycle.backoff_for(2), 1_000);
    assert_eq!(cycle.backoff_for(1), 60_000);
    assert_eq!(cycle.backoff_for(0), 86_400_000);
    for bad in [
        "R5",
        "R/PT10S",
        "Rx/PT1S",
        "every ten seconds",
        "PT1S,soon",
        "",
    ] {
        let parsed = parse_str(&around(&format!(
            r#"<serviceTask id="a" camunda:type="external" camunda:topic="t"><extensionElements>
<camunda:failedJobRetryTimeCycle>{bad}</camunda:failedJobRetryTimeCycle>
</extensionElements></serviceTask>"#
        )));
        error_with(&parsed, "camunda:failedJobRetryTimeCycle");
    }
}

#[test]
fn camunda_async_continuations_on_flow_nodes_and_loop_characteristics() {
    use keel_bpmn::AsyncContinuations;
    let p = clean(&around(
        r#"<userTask id="a" camunda:asyncBefore="true" camunda:asyncAfter="true" camunda:exclusive="false"/>"#,
    ));
    assert_eq!(
        node(&p, "a").async_continuations,
        AsyncContinuations {
            before: true,
            after: true,
            exclusive: false
        }
    );
    assert!(node(&p, "s").async_continuations.is_none());
    assert!(node(&p, "s").async_continuations.exclusive);
    // The legacy `camunda:async` is asyncBefore; gateways and events carry them too.
    let p = clean(&around(
        r#"<exclusiveGateway id="a" camunda:async="true"/>"#,
    ));
    assert!(node(&p, "a").async_continuations.before);
    assert!(!node(&p, "a").async_continuations.after);
    // On a multi-instance activity: the activity's flags for the body, the loop
    // characteristics' for each inner instance.
    let p = clean(&around(
        r#"<task id="a" camunda:asyncAfter="true"><multiInstanceLoopCharacteristics camunda:collection="${items}" camunda:elementVariable="item" camunda:asyncBefore="true"/></task>"#,
    ));
    let a = node(&p, "a");
    assert!(a.async_continuations.after && !a.async_continuations.before);
    let inner = a.multi_instance.as_ref().map(|mi| mi.inner_async);
    assert_eq!(
        inner,
        Some(AsyncContinuations {
            before: true,
            after: false,
            exclusive: true
        })
    );
    // Anything but true or false is a warning and counts as absent.
    let xml = around(r#"<task id="a" camunda:asyncBefore="yes"/>"#);
    assert_eq!(
        common::warnings(&xml),
        ["camunda:asyncBefore \"yes\" is not true or false; it is ignored"]
    );
    let parsed = parse_str(&xml);
    assert!(!node(&parsed.processes[0], "a").async_continuations.before);
}
