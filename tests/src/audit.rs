//! Reading an instance's audit trail for exact assertions: record kinds, and element
//! transitions written `element_id:event` (`task:activated`, `flow1:taken`, ...).

use serde_json::Value;

/// The `kind` of every record, in order.
pub fn kinds(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| r["kind"].as_str().unwrap_or("?").to_owned())
        .collect()
}

/// The transitions one record lists, as `element_id:event`.
pub fn transitions_of(record: &Value) -> Vec<String> {
    record["data"]["transitions"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .map(|t| {
                    format!(
                        "{}:{}",
                        t["element_id"].as_str().unwrap_or("?"),
                        t["event"].as_str().unwrap_or("?")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every transition of the trail, in order.
pub fn transitions(records: &[Value]) -> Vec<String> {
    records.iter().flat_map(transitions_of).collect()
}

/// Renders the trail one record a line (`kind: t1, t2, ...`) for failure messages.
pub fn render(records: &[Value]) -> String {
    records
        .iter()
        .map(|r| {
            format!(
                "  {}: [{}]",
                r["kind"].as_str().unwrap_or("?"),
                transitions_of(r).join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts the trail is exactly `expected`: per record, its kind and its ordered transitions.
pub fn assert_trail(records: &[Value], expected: &[(&str, &[&str])]) {
    let actual: Vec<(String, Vec<String>)> = records
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap_or("?").to_owned(),
                transitions_of(r),
            )
        })
        .collect();
    let wanted: Vec<(String, Vec<String>)> = expected
        .iter()
        .map(|(k, ts)| {
            (
                (*k).to_owned(),
                ts.iter().map(|t| (*t).to_owned()).collect(),
            )
        })
        .collect();
    assert!(
        actual == wanted,
        "audit trail differs.\nexpected:\n{}\nactual:\n{}",
        wanted
            .iter()
            .map(|(k, ts)| format!("  {k}: [{}]", ts.join(", ")))
            .collect::<Vec<_>>()
            .join("\n"),
        render(records)
    );
}

/// Asserts `instance_seq` runs 1, 2, 3, ... without gaps.
pub fn assert_gapless(records: &[Value]) {
    let seqs: Vec<i64> = records
        .iter()
        .map(|r| r["instance_seq"].as_i64().unwrap_or(-1))
        .collect();
    let want: Vec<i64> = (1..=records.len() as i64).collect();
    let listing: Vec<String> = records
        .iter()
        .map(|r| {
            format!(
                "  instance_seq {} seq {} {}",
                r["instance_seq"], r["seq"], r["kind"]
            )
        })
        .collect();
    assert_eq!(
        seqs,
        want,
        "instance_seq is not gapless:\n{}",
        listing.join("\n")
    );
}
