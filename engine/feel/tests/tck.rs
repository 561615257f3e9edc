//! Runs the expression-only part of the DMN TCK (phases 1 and 2 of `feel-tck/INDEX.tsv`)
//! against keel-feel: each decision's literal expression is evaluated with the test's inputs
//! and the results of required decisions. Prints per-folder pass counts and fails when the
//! total falls below `FLOOR`. The corpus lives outside the crate (`$KEEL_CORPUS`, default
//! `/work/shared/corpus` via the manifest dir); a missing corpus fails the test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use keel_feel::{Context, Env, Expression, Value};
use quick_xml::Reader;
use quick_xml::events::Event;

/// Lowest acceptable number of passing test cases (raise it as the evaluator improves).
const FLOOR: usize = 3123;
const TOTAL: usize = 3144;

#[derive(Debug, Default)]
struct Decision {
    name: String,
    text: Option<String>,
    requires: Vec<String>,
}

#[derive(Debug, Default)]
struct Model {
    decisions: HashMap<String, Decision>,
    ids: HashMap<String, String>,
    names: Vec<String>,
}

/// A lightweight XML element tree (local names only).
#[derive(Debug, Default, Clone)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
    text: String,
}

impl Node {
    fn attr(&self, k: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
    fn child(&self, n: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == n)
    }
    fn all(&self, n: &str) -> impl Iterator<Item = &Node> {
        let n = n.to_string();
        self.children.iter().filter(move |c| c.name == n)
    }
}

fn local(name: &str) -> String {
    let s = name.to_string();
    match s.rsplit_once(':') {
        Some((_, l)) => l.to_string(),
        None => s,
    }
}

fn parse_xml(text: &str) -> Node {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Node> = vec![Node::default()];
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let mut n = Node {
                    name: local(e.name().as_ref()),
                    ..Node::default()
                };
                for a in e.attributes().flatten() {
                    let v = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map(|v| v.to_string())
                        .unwrap_or_default();
                    n.attrs.push((local(a.key.as_ref()), v));
                }
                stack.push(n);
            }
            Ok(Event::Empty(e)) => {
                let mut n = Node {
                    name: local(e.name().as_ref()),
                    ..Node::default()
                };
                for a in e.attributes().flatten() {
                    let v = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map(|v| v.to_string())
                        .unwrap_or_default();
                    n.attrs.push((local(a.key.as_ref()), v));
                }
                if let Some(top) = stack.last_mut() {
                    top.children.push(n);
                }
            }
            Ok(Event::Text(t)) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let Some(top) = stack.last_mut() {
                    let name = AsRef::<str>::as_ref(&r).to_string();
                    let s = match name.as_str() {
                        "lt" => "<".to_string(),
                        "gt" => ">".to_string(),
                        "amp" => "&".to_string(),
                        "quot" => "\"".to_string(),
                        "apos" => "'".to_string(),
                        n if n.starts_with("#x") => u32::from_str_radix(&n[2..], 16)
                            .ok()
                            .and_then(char::from_u32)
                            .map(|c| c.to_string())
                            .unwrap_or_default(),
                        n if n.starts_with('#') => n[1..]
                            .parse::<u32>()
                            .ok()
                            .and_then(char::from_u32)
                            .map(|c| c.to_string())
                            .unwrap_or_default(),
                        _ => String::new(),
                    };
                    top.text.push_str(&s);
                }
            }
            Ok(Event::CData(t)) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(AsRef::<str>::as_ref(&t));
                }
            }
            Ok(Event::End(_)) if stack.len() > 1 => {
                let n = stack.pop().unwrap_or_default();
                if let Some(top) = stack.last_mut() {
                    top.children.push(n);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
    }
    stack.into_iter().next().unwrap_or_default()
}

/// FEEL text for a decision's logic: literal expressions as they are, boxed contexts and
/// boxed lists rewritten as FEEL context / list expressions. `None` for other boxed kinds.
fn boxed(n: &Node, names: &mut Vec<String>) -> Option<String> {
    const KINDS: &[&str] = &[
        "literalExpression",
        "context",
        "list",
        "decisionTable",
        "invocation",
        "functionDefinition",
        "relation",
        "conditional",
        "filter",
        "for",
        "some",
        "every",
    ];
    let logic = n
        .children
        .iter()
        .find(|c| KINDS.contains(&c.name.as_str()))?;
    match logic.name.as_str() {
        "literalExpression" => logic.child("text").map(|t| format!("(\n{}\n)", t.text)),
        "list" => {
            let items: Option<Vec<String>> = logic
                .children
                .iter()
                .map(|c| {
                    boxed(
                        &Node {
                            children: vec![c.clone()],
                            ..Node::default()
                        },
                        names,
                    )
                })
                .collect();
            Some(format!("[{}]", items?.join(", ")))
        }
        "context" => {
            let mut parts = Vec::new();
            let mut result = None;
            for e in logic.all("contextEntry") {
                let value = boxed(e, names)?;
                match e.child("variable").and_then(|v| v.attr("name")) {
                    Some(k) => {
                        names.push(k.to_string());
                        parts.push(format!(
                            "\"{}\": {value}",
                            k.replace('\\', "\\\\").replace('"', "\\\"")
                        ));
                    }
                    None => result = Some(value),
                }
            }
            Some(match result {
                Some(r) => {
                    parts.push(format!("\"__result\": {r}"));
                    format!("({{{}}}).__result", parts.join(", "))
                }
                None => format!("{{{}}}", parts.join(", ")),
            })
        }
        _ => None,
    }
}

fn load_model(path: &Path) -> Model {
    let root = parse_xml(&std::fs::read_to_string(path).unwrap_or_default());
    let defs = root.child("definitions").cloned().unwrap_or_default();
    let mut m = Model::default();
    for d in defs.children.iter() {
        let name = d.attr("name").unwrap_or("").to_string();
        if let Some(id) = d.attr("id") {
            m.ids.insert(id.to_string(), name.clone());
        }
        if d.name == "inputData" || d.name == "decision" || d.name == "businessKnowledgeModel" {
            m.names.push(name.clone());
        }
        if d.name != "decision" {
            continue;
        }
        let text = boxed(d, &mut m.names);
        let requires = d
            .all("informationRequirement")
            .filter_map(|r| r.child("requiredDecision"))
            .filter_map(|r| r.attr("href"))
            .map(|h| h.trim_start_matches('#').to_string())
            .collect();
        m.decisions.insert(
            name.clone(),
            Decision {
                name,
                text,
                requires,
            },
        );
    }
    m
}

fn feel_value(src: &str) -> Value {
    let env = Env {
        variables: &(),
        now: jiff::Zoned::now(),
    };
    Expression::parse(src)
        .ok()
        .and_then(|e| e.evaluate(&env).ok())
        .unwrap_or(Value::Null)
}

/// Converts a TCK value node (`value`, `component*`, `list`) to a FEEL value.
fn tck_value(n: &Node) -> Value {
    if let Some(v) = n.child("value") {
        if v.attr("nil") == Some("true") {
            return Value::Null;
        }
        let t = v.text.as_str();
        return match v.attr("type").unwrap_or("") {
            "xsd:decimal" | "xsd:double" | "xsd:integer" | "xsd:int" | "xsd:long" => {
                keel_feel::Number::parse(t.trim())
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
            "xsd:boolean" => Value::Bool(t.trim() == "true"),
            "xsd:date" | "xsd:time" | "xsd:dateTime" | "xsd:duration" => {
                feel_value(&format!("@\"{}\"", t.trim()))
            }
            _ => Value::String(t.to_string()),
        };
    }
    if let Some(l) = n.child("list") {
        return Value::List(l.all("item").map(tck_value).collect());
    }
    let comps: Vec<&Node> = n.all("component").collect();
    if !comps.is_empty() {
        let mut c = Context::new();
        for comp in comps {
            c.insert(comp.attr("name").unwrap_or(""), tck_value(comp));
        }
        return Value::Context(c);
    }
    Value::Null
}

fn matches(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Number(a), Value::Number(b)) => a
            .sub(b)
            .map(|d| d.abs() <= keel_feel::Number::parse("0.00000001").unwrap_or(*b))
            .unwrap_or(false),
        (Value::List(a), Value::List(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| matches(x, y))
        }
        (Value::Context(a), Value::Context(b)) => {
            a.len() == b.len()
                && b.iter()
                    .all(|(k, v)| a.get(k).is_some_and(|x| matches(x, v)))
        }
        (Value::Date(_) | Value::DateTime(_) | Value::Time(_), _) => {
            actual.to_string() == expected.to_string()
        }
        _ => actual == expected,
    }
}

struct Runner<'m> {
    model: &'m Model,
    inputs: Context,
    cache: HashMap<String, Option<Value>>,
    depth: usize,
}

impl Runner<'_> {
    /// Evaluates a decision; `None` on a hard error or unsupported decision logic.
    fn decision(&mut self, name: &str) -> Option<Value> {
        if let Some(v) = self.cache.get(name) {
            return v.clone();
        }
        self.depth += 1;
        if self.depth > 50 {
            return None;
        }
        let d = self.model.decisions.get(name)?;
        let mut vars = self.inputs.clone();
        for req in &d.requires {
            let req_name = self.model.ids.get(req).cloned().unwrap_or_default();
            let v = self.decision(&req_name)?;
            vars.insert(req_name, v);
        }
        let names: Vec<&str> = self.model.names.iter().map(String::as_str).collect();
        let result = d.text.as_ref().and_then(|t| {
            let e = Expression::parse_with_names(t, &names).ok()?;
            let now = "2026-03-15T10:30:00+01:00[Europe/Paris]"
                .parse::<jiff::Zoned>()
                .ok()?;
            e.evaluate(&Env {
                variables: &vars,
                now,
            })
            .ok()
        });
        self.depth -= 1;
        self.cache.insert(d.name.clone(), result.clone());
        result
    }
}

fn corpus_root() -> PathBuf {
    match std::env::var("KEEL_CORPUS") {
        Ok(p) => PathBuf::from(p),
        Err(_) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
    }
}

#[test]
fn tck_expression_cases() {
    let root = corpus_root().join("feel-tck");
    let index = std::fs::read_to_string(root.join("INDEX.tsv")).unwrap_or_else(|e| {
        panic!("the DMN TCK corpus is missing at {} ({e}); set KEEL_CORPUS to the shared corpus folder", root.display())
    });
    let mut total_pass = 0;
    let mut total_cases = 0;
    for line in index.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(folder), Some(phase)) = (cols.first(), cols.get(11)) else {
            continue;
        };
        if !(phase.starts_with('1') || phase.starts_with('2')) {
            continue;
        }
        let dir = root.join(folder);
        let base = folder.rsplit('/').next().unwrap_or("");
        let model = load_model(&dir.join(format!("{base}.dmn")));
        let tests = parse_xml(
            &std::fs::read_to_string(dir.join(format!("{base}-test-01.xml"))).unwrap_or_default(),
        );
        let Some(cases) = tests.child("testCases") else {
            continue;
        };
        let (mut pass, mut count) = (0, 0);
        for case in cases.all("testCase") {
            count += 1;
            let mut inputs = Context::new();
            for i in case.all("inputNode") {
                inputs.insert(i.attr("name").unwrap_or(""), tck_value(i));
            }
            let mut runner = Runner {
                model: &model,
                inputs,
                cache: HashMap::new(),
                depth: 0,
            };
            let ok = case.all("resultNode").all(|r| {
                let expected = r.child("expected").map(tck_value).unwrap_or(Value::Null);
                let is_error = r.attr("errorResult") == Some("true");
                let name = r.attr("name").unwrap_or("");
                let has_logic = model.decisions.get(name).is_some_and(|d| d.text.is_some());
                let actual = runner.decision(name);
                let ok = match &actual {
                    Some(actual) => {
                        matches(actual, &expected) || (is_error && *actual == Value::Null)
                    }
                    None => has_logic && is_error,
                };
                if !ok && std::env::var("TCK_VERBOSE").is_ok() {
                    let text = model
                        .decisions
                        .get(name)
                        .and_then(|d| d.text.clone())
                        .unwrap_or_default();
                    println!(
                        "  {base} {name}: {text}\n    got {actual:?}\n    expected {expected:?}"
                    );
                }
                ok
            });
            if std::env::var("TCK_VERBOSE").is_ok() && !ok {
                println!("FAIL {base} {}", case.attr("id").unwrap_or(""));
            }
            if ok {
                pass += 1;
            }
        }
        println!("{base}: {pass} / {count}");
        total_pass += pass;
        total_cases += count;
    }
    println!("TCK expression cases: {total_pass} / {TOTAL} (ran {total_cases})");
    assert!(
        total_pass >= FLOOR,
        "TCK pass count {total_pass} fell below the floor {FLOOR}"
    );
}
