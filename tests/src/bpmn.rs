//! Building small BPMN models inline (Zeebe dialect unless stated).

/// Namespaces of a Camunda 8 (Zeebe) model.
pub const ZEEBE_NS: &str = r#"xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0""#;

/// A `bpmn:definitions` document with one executable process `id` holding `body`, and `roots`
/// (messages, errors) next to it.
pub fn zeebe_with(id: &str, body: &str, roots: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {ZEEBE_NS} id="defs_{id}" targetNamespace="http://keel.test/scenarios">
  <bpmn:process id="{id}" isExecutable="true">
{body}
  </bpmn:process>
{roots}
</bpmn:definitions>
"#
    )
}

/// [`zeebe_with`] without extra root elements.
pub fn zeebe(id: &str, body: &str) -> String {
    zeebe_with(id, body, "")
}

/// Sequence flows `f_FROM_TO` for each pair.
pub fn flows(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(a, b)| flow(a, b))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One sequence flow `f_FROM_TO`.
pub fn flow(from: &str, to: &str) -> String {
    format!(r#"    <bpmn:sequenceFlow id="f_{from}_{to}" sourceRef="{from}" targetRef="{to}" />"#)
}

/// A sequence flow `f_FROM_TO` with a FEEL condition (`condition` is XML-escaped here).
pub fn cond_flow(from: &str, to: &str, condition: &str) -> String {
    let escaped = condition
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        r#"    <bpmn:sequenceFlow id="f_{from}_{to}" sourceRef="{from}" targetRef="{to}">
      <bpmn:conditionExpression>{escaped}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>"#
    )
}

/// A service task `id` with job type `job_type`.
pub fn service_task(id: &str, job_type: &str) -> String {
    format!(
        r#"    <bpmn:serviceTask id="{id}">
      <bpmn:extensionElements><zeebe:taskDefinition type="{job_type}" /></bpmn:extensionElements>
    </bpmn:serviceTask>"#
    )
}

/// A straight line `start → tasks... → end` of service tasks (job type = task id).
pub fn service_chain(id: &str, tasks: &[&str]) -> String {
    let mut body = String::from("    <bpmn:startEvent id=\"start\" />\n");
    let mut prev = "start";
    for t in tasks {
        body.push_str(&service_task(t, t));
        body.push('\n');
        body.push_str(&flow(prev, t));
        body.push('\n');
        prev = t;
    }
    body.push_str("    <bpmn:endEvent id=\"end\" />\n");
    body.push_str(&flow(prev, "end"));
    zeebe(id, &body)
}
