//! Variable scopes: lookup from an element outward, and writes that land in the nearest scope
//! that already defines a variable, else in the process scope (the contract's rule).

use serde_json::{Map, Value as Json};

use super::state::{ElementKey, InstanceState, ROOT_KEY};

/// Read-only view of the variables visible at one element instance, for expression evaluation.
pub struct ScopeView<'a> {
    state: &'a InstanceState,
    key: ElementKey,
}

impl<'a> ScopeView<'a> {
    /// The variables visible at element instance `key` (its own local scope included).
    pub fn new(state: &'a InstanceState, key: ElementKey) -> Self {
        ScopeView { state, key }
    }

    /// Looks `name` up from the innermost scope outward, then among the engine's read-only
    /// values (`__instance_id`, `__business_key`).
    pub fn get(&self, name: &str) -> Option<&'a Json> {
        self.get_variable(name)
            .or_else(|| self.state.engine_values.get(name))
    }

    fn get_variable(&self, name: &str) -> Option<&'a Json> {
        let mut key = Some(self.key);
        let mut hops = 0usize;
        while let Some(k) = key {
            let element = self.state.elements.get(&k)?;
            if let Some(value) = element.variables.as_ref().and_then(|v| v.get(name)) {
                return Some(value);
            }
            key = element.parent;
            hops += 1;
            if hops > self.state.elements.len() {
                return None; // a cycle would be a bug; never loop forever
            }
        }
        None
    }

    /// All visible variables, inner scopes shadowing outer ones.
    pub fn collect(&self) -> Map<String, Json> {
        let mut chain = Vec::new();
        let mut key = Some(self.key);
        while let Some(k) = key {
            let Some(element) = self.state.elements.get(&k) else {
                break;
            };
            chain.push(element);
            key = element.parent;
            if chain.len() > self.state.elements.len() {
                break;
            }
        }
        let mut out = Map::new();
        for element in chain.into_iter().rev() {
            if let Some(vars) = &element.variables {
                for (k, v) in vars {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        out
    }
}

impl keel_feel::Variables for ScopeView<'_> {
    fn lookup(&self, name: &str) -> Option<keel_feel::Value> {
        self.get(name).map(keel_feel::Value::from_json)
    }

    /// Every visible variable name (for "did you mean" suggestions); the engine's read-only
    /// values are not variables and are left out.
    fn names(&self) -> Vec<String> {
        self.collect().into_iter().map(|(k, _)| k).collect()
    }
}

/// Sets `name` in the nearest scope, starting at `from` and walking outward, that already
/// defines it; else in the process scope.
pub fn set_propagating(state: &mut InstanceState, from: ElementKey, name: &str, value: Json) {
    let mut key = Some(from);
    let mut target = ROOT_KEY;
    let mut hops = 0usize;
    while let Some(k) = key {
        let Some(element) = state.elements.get(&k) else {
            break;
        };
        if element
            .variables
            .as_ref()
            .is_some_and(|v| v.contains_key(name))
        {
            target = k;
            break;
        }
        key = element.parent;
        hops += 1;
        if hops > state.elements.len() {
            break;
        }
    }
    set_local(state, target, name, value);
}

/// Sets `name` in the local scope of element instance `key` (creating that scope).
pub fn set_local(state: &mut InstanceState, key: ElementKey, name: &str, value: Json) {
    if let Some(element) = state.elements.get_mut(&key) {
        element
            .variables
            .get_or_insert_with(Map::new)
            .insert(name.to_owned(), value);
    }
}

/// Writes `value` at a dotted `target` path (`a.b.c`) starting from an existing JSON value:
/// intermediate objects are created; a non-object in the way is replaced by an object.
pub fn write_path(base: Option<Json>, path: &[&str], value: Json) -> Json {
    match path.split_first() {
        None => value,
        Some((head, rest)) => {
            let mut object = match base {
                Some(Json::Object(m)) => m,
                _ => Map::new(),
            };
            let existing = object.remove(*head);
            object.insert((*head).to_owned(), write_path(existing, rest, value));
            Json::Object(object)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::state::{ElementInstance, ElementState};
    use serde_json::json;
    use std::collections::BTreeMap;

    fn state_with_sub() -> InstanceState {
        let mut vars = Map::new();
        vars.insert("a".into(), json!(1));
        let mut s = InstanceState::new(vars);
        let mut local = Map::new();
        local.insert("b".into(), json!(2));
        s.elements.insert(
            1,
            ElementInstance {
                element_id: "sub".into(),
                parent: Some(ROOT_KEY),
                state: ElementState::Active,
                variables: Some(local),
                joins: BTreeMap::new(),
                incident: None,
                started_at: 0,
                triggered_by: None,
                loop_state: None,
                cycles: BTreeMap::new(),
                compensable: Vec::new(),
                compensating: Vec::new(),
                compensation: false,
                occurred: BTreeMap::new(),
            },
        );
        s.elements.insert(
            2,
            ElementInstance {
                element_id: "task".into(),
                parent: Some(1),
                state: ElementState::Active,
                variables: None,
                joins: BTreeMap::new(),
                incident: None,
                started_at: 0,
                triggered_by: None,
                loop_state: None,
                cycles: BTreeMap::new(),
                compensable: Vec::new(),
                compensating: Vec::new(),
                compensation: false,
                occurred: BTreeMap::new(),
            },
        );
        s
    }

    #[test]
    fn lookup_walks_outward_and_inner_shadows_outer() {
        let mut s = state_with_sub();
        assert_eq!(ScopeView::new(&s, 2).get("a"), Some(&json!(1)));
        assert_eq!(ScopeView::new(&s, 2).get("b"), Some(&json!(2)));
        set_local(&mut s, 1, "a", json!(10));
        assert_eq!(ScopeView::new(&s, 2).get("a"), Some(&json!(10)));
        assert_eq!(ScopeView::new(&s, 2).collect()["a"], json!(10));
    }

    #[test]
    fn writes_land_in_nearest_defining_scope_else_root() {
        let mut s = state_with_sub();
        set_propagating(&mut s, 2, "b", json!(3));
        set_propagating(&mut s, 2, "c", json!(4));
        assert_eq!(s.elements[&1].variables.as_ref().unwrap()["b"], json!(3));
        assert_eq!(s.root_variables().unwrap()["c"], json!(4));
        assert!(!s.elements[&1].variables.as_ref().unwrap().contains_key("c"));
    }

    #[test]
    fn write_path_creates_intermediate_objects() {
        let v = write_path(Some(json!({"x": 1})), &["a", "b"], json!(true));
        assert_eq!(v, json!({"x": 1, "a": {"b": true}}));
    }
}
