//! How much of Camunda 7's own test models Keel's JUEL front end understands.
//!
//! Reads every model listed in `exec/camunda7/MANIFEST.tsv` of the shared corpus (`$KEEL_CORPUS`,
//! default `../shared/corpus` next to the repository), extracts each `${...}` / `#{...}` from
//! attribute values and element text (XML-unescaped; script bodies, documentation and
//! `camunda:string` literals are skipped because Camunda 7 does not evaluate them), parses it
//! with `keel_feel::juel::Expression`, and evaluates each parsed one twice: with no variables,
//! and with every referenced variable bound to a plausible value (a boolean, a number or a
//! string, or a map / list shaped after the property and index accesses in the text). Prints a
//! summary table, the reasons for parse failures, and the expressions that still fail.
//!
//! Run: `cargo run -p keel-feel --example juel_corpus` (add `-- -v` to list every failure).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use keel_feel::juel::Expression;
use keel_feel::{Context, Env, Value};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

/// One `${...}` / `#{...}` found in a model.
struct Found {
    file: String,
    /// Where it was: `conditionExpression` (element text) or `userTask@assignee`.
    location: String,
    text: String,
}

fn corpus_root() -> PathBuf {
    match std::env::var("KEEL_CORPUS") {
        Ok(p) => PathBuf::from(p),
        Err(_) => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
    }
}

fn local(name: &str) -> String {
    name.rsplit(':').next().unwrap_or_default().to_string()
}

/// The `${...}` / `#{...}` segments of `value`: each ends at the first `}` outside a quoted
/// string, as in JUEL. `\${` is an escaped literal.
fn segments(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = value.char_indices().collect();
    let mut i = 0;
    while i + 1 < chars.len() {
        let (start, c) = chars[i];
        let escaped = i > 0 && chars[i - 1].1 == '\\';
        if (c == '$' || c == '#') && chars[i + 1].1 == '{' && !escaped {
            let mut quote: Option<char> = None;
            let mut j = i + 2;
            while j < chars.len() {
                let ch = chars[j].1;
                match quote {
                    Some(_) if ch == '\\' => j += 1,
                    Some(q) if ch == q => quote = None,
                    Some(_) => {}
                    None if ch == '\'' || ch == '"' => quote = Some(ch),
                    None if ch == '}' => break,
                    None => {}
                }
                j += 1;
            }
            let end = chars.get(j).map_or(value.len(), |(k, _)| k + 1);
            out.push(value[start..end.min(value.len())].to_string());
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// Elements whose text Camunda 7 does not evaluate as an expression.
fn skipped(element: &str) -> bool {
    matches!(element, "script" | "documentation" | "string" | "text")
}

fn scan(file: &str, xml: &str, out: &mut Vec<Found>) {
    let mut reader = Reader::from_str(xml);
    // (element name, text collected so far)
    let mut stack: Vec<(String, String)> = Vec::new();
    let attrs = |e: &BytesStart<'_>, out: &mut Vec<Found>| {
        let element = local(e.name().as_ref());
        for a in e.attributes().flatten() {
            let Ok(v) = a.normalized_value(quick_xml::XmlVersion::Implicit1_0) else {
                continue;
            };
            for text in segments(&v) {
                out.push(Found {
                    file: file.to_string(),
                    location: format!("{element}@{}", local(a.key.as_ref())),
                    text,
                });
            }
        }
    };
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                attrs(&e, out);
                stack.push((local(e.name().as_ref()), String::new()));
            }
            Ok(Event::Empty(e)) => attrs(&e, out),
            Ok(Event::Text(t)) => {
                if let Some(top) = stack.last_mut() {
                    top.1.push_str(&t.xml10_content());
                }
            }
            Ok(Event::CData(t)) => {
                if let Some(top) = stack.last_mut() {
                    top.1.push_str(AsRef::<str>::as_ref(&t));
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if let Some(top) = stack.last_mut() {
                    let name = AsRef::<str>::as_ref(&r).to_string();
                    let c = match name.as_str() {
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "amp" => Some('&'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        n => n
                            .strip_prefix("#x")
                            .and_then(|h| u32::from_str_radix(h, 16).ok())
                            .or_else(|| n.strip_prefix('#').and_then(|d| d.parse().ok()))
                            .and_then(char::from_u32),
                    };
                    top.1.extend(c);
                }
            }
            Ok(Event::End(_)) => {
                if let Some((element, text)) = stack.pop()
                    && !skipped(&element)
                    && !stack.iter().any(|(e, _)| skipped(e))
                {
                    for t in segments(&text) {
                        out.push(Found {
                            file: file.to_string(),
                            location: element.clone(),
                            text: t,
                        });
                    }
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => {
                eprintln!("{file}: XML error {e}");
                break;
            }
            _ => {}
        }
    }
}

/// Identifiers following `prefix` in `src` (`order.price` → `price` for prefix `order.`).
fn keys_after(src: &str, prefix: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for (i, _) in src.match_indices(prefix) {
        let before = src[..i].chars().next_back();
        let word_prefix = prefix.starts_with(|c: char| c.is_alphanumeric() || c == '_');
        if word_prefix && before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let rest = &src[i + prefix.len()..];
        let key: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !key.is_empty() && !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// A plausible value for variable `name` in `src`, with `leaf` for scalars: a map with the
/// properties read from it, a list when it is indexed, else the leaf itself.
fn plausible(src: &str, name: &str, leaf: &Value) -> Value {
    let props = keys_after(src, &format!("{name}."));
    let item_props = keys_after(src, "].");
    let map = |keys: &[String]| {
        let mut c = Context::new();
        for k in keys {
            c.insert(k.clone(), leaf.clone());
        }
        Value::Context(c)
    };
    if src.contains(&format!("{name}[")) {
        let item = if item_props.is_empty() {
            leaf.clone()
        } else {
            map(&item_props)
        };
        return Value::List(vec![item.clone(), item.clone(), item]);
    }
    if props.is_empty() {
        leaf.clone()
    } else {
        map(&props)
    }
}

fn evaluate(e: &Expression, vars: &Context) -> Result<Value, String> {
    let env = Env {
        variables: vars,
        now: "2026-01-01T00:00:00Z[UTC]".parse().unwrap(),
    };
    e.evaluate(&env).map_err(|e| e.message)
}

/// Evaluates with every referenced variable bound to a plausible value: all variables a
/// boolean, all a number, all a string, then each variable in turn tried with each kind.
fn evaluate_plausibly(e: &Expression) -> Result<Value, String> {
    let src = e.source();
    let leaves = [
        Value::Bool(true),
        Value::int(1),
        Value::String("a".to_string()),
    ];
    let names = e.referenced_names();
    let mut choice = vec![0usize; names.len()];
    let build = |choice: &[usize]| {
        let mut vars = Context::new();
        vars.insert("__business_key", Value::String("key-1".into()));
        vars.insert("__instance_id", Value::String("pi-1".into()));
        for (n, c) in names.iter().zip(choice) {
            vars.insert(n.clone(), plausible(src, n, &leaves[*c]));
        }
        vars
    };
    let mut result = evaluate(e, &build(&choice));
    for kind in 1..leaves.len() {
        if result.is_ok() {
            return result;
        }
        let all = vec![kind; names.len()];
        let r = evaluate(e, &build(&all));
        if r.is_ok() {
            return r;
        }
    }
    for _pass in 0..2 {
        for i in 0..names.len() {
            if result.is_ok() {
                return result;
            }
            for c in 0..leaves.len() {
                let mut trial = choice.clone();
                trial[i] = c;
                let r = evaluate(e, &build(&trial));
                if r.is_ok() {
                    choice = trial;
                    result = r;
                    break;
                }
            }
        }
    }
    result
}

/// A short reason category for a parse error of `text`.
fn category(text: &str, message: &str) -> String {
    if !message.starts_with("method calls are not supported in keel") {
        return format!("syntax: {message}");
    }
    let body = text.get(2..).unwrap_or_default().trim_start();
    if body.starts_with("execution.") {
        "refused (code): execution method with side effects (setVariable...)".to_string()
    } else if body.starts_with(['\'', '"']) {
        "refused (code): Java method on a literal ('a'.concat(b))".to_string()
    } else {
        "refused (code): method call on a variable or bean (x.m(...))".to_string()
    }
}

fn main() {
    let verbose = std::env::args().any(|a| a == "-v");
    let root = corpus_root().join("exec/camunda7");
    let manifest = std::fs::read_to_string(root.join("MANIFEST.tsv")).unwrap_or_else(|e| {
        panic!(
            "the Camunda 7 corpus is missing at {} ({e}); set KEEL_CORPUS",
            root.display()
        )
    });
    let mut files = 0;
    let mut found = Vec::new();
    for line in manifest.lines().skip(1) {
        let Some(file) = line.split('\t').next().filter(|f| !f.is_empty()) else {
            continue;
        };
        let Ok(xml) = std::fs::read_to_string(root.join(file)) else {
            eprintln!("missing: {file}");
            continue;
        };
        files += 1;
        scan(file, &xml, &mut found);
    }
    let files_with = {
        let mut f: Vec<&str> = found.iter().map(|f| f.file.as_str()).collect();
        f.dedup();
        f.len()
    };
    let distinct = {
        let mut t: Vec<&str> = found.iter().map(|f| f.text.as_str()).collect();
        t.sort_unstable();
        t.dedup();
        t.len()
    };

    let mut parsed = 0;
    let mut refused = 0;
    let mut syntax = 0;
    let mut empty_ok = 0;
    let mut plausible_ok = 0;
    let mut reasons: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut eval_failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut by_location: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for f in &found {
        let slot = by_location.entry(f.location.clone()).or_default();
        slot.0 += 1;
        match Expression::parse(&f.text) {
            Ok(e) => {
                parsed += 1;
                slot.1 += 1;
                if evaluate(&e, &Context::new()).is_ok() {
                    empty_ok += 1;
                }
                match evaluate_plausibly(&e) {
                    Ok(_) => plausible_ok += 1,
                    Err(msg) => eval_failures
                        .entry(msg)
                        .or_default()
                        .push(format!("{} ({})", f.text, f.file)),
                }
            }
            Err(err) => {
                let cat = category(&f.text, &err.message);
                if cat.starts_with("refused") {
                    refused += 1;
                } else {
                    syntax += 1;
                }
                reasons
                    .entry(cat)
                    .or_default()
                    .push(format!("{} ({})", f.text, f.file));
            }
        }
    }

    let total = found.len();
    let pct = |n: usize| {
        if total == 0 {
            0.0
        } else {
            n as f64 * 100.0 / total as f64
        }
    };
    println!("Camunda 7 corpus: {}", root.display());
    println!("models listed: {files}, with expressions: {files_with}");
    println!();
    println!("| measure | count | share |");
    println!("|---|---:|---:|");
    println!("| expressions (`${{...}}` / `#{{...}}`) | {total} | 100% |");
    println!("| distinct expression texts | {distinct} | |");
    println!("| parse | {parsed} | {:.1}% |", pct(parsed));
    println!(
        "| refused at parse: method/function calls (code) | {refused} | {:.1}% |",
        pct(refused)
    );
    println!("| syntax not supported | {syntax} | {:.1}% |", pct(syntax));
    println!(
        "| evaluate without error, no variables | {empty_ok} | {:.1}% |",
        pct(empty_ok)
    );
    println!(
        "| evaluate without error, plausible variables | {plausible_ok} | {:.1}% |",
        pct(plausible_ok)
    );
    println!();
    println!("| where | expressions | parse |");
    println!("|---|---:|---:|");
    for (loc, (n, ok)) in &by_location {
        println!("| {loc} | {n} | {ok} |");
    }
    println!();
    println!("Parse failures by reason:");
    for (reason, items) in &reasons {
        println!("  {:>3}  {reason}", items.len());
        let shown = if verbose { items.len() } else { 3 };
        for i in items.iter().take(shown) {
            println!("         {i}");
        }
    }
    println!();
    println!("Parsed but failing with plausible variables:");
    for (msg, items) in &eval_failures {
        println!("  {:>3}  {msg}", items.len());
        let shown = if verbose { items.len() } else { 3 };
        for i in items.iter().take(shown) {
            println!("         {i}");
        }
    }
}
