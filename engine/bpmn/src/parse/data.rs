//! Data objects and data associations → scope variables and mappings.
//!
//! A `dataObject` is a variable of the process or sub-process it is declared in (named by its
//! `id`, initialised from a `value` extension element or null), and so is a `property` of a
//! process or sub-process (null); the process's own `ioSpecification` lists the data inputs a
//! calling call activity must pass in and the data outputs it gets back (by id, as
//! SpiffWorkflow reads them), variables of the process that data associations may name like
//! data objects; a `dataObjectReference` stands
//! for its data object (one without `dataObjectRef` for a variable named by its own id); a
//! `dataStoreReference` is accepted and ignored (Keel has no data stores), also when an
//! association names one drawn in another pool. On an activity, a `dataInputAssociation` from a data object to one of the
//! activity's `ioSpecification` data inputs becomes an input mapping (`dataInput id` :=
//! data object), a `dataOutputAssociation` from a data output to a data object an output
//! mapping (data object := `dataOutput id`); an association without the data input or output
//! (or naming one with the data object's own name) maps nothing, since the data object is a
//! variable the activity already sees and writes. Associations with `assignment` or
//! `transformation` are refused; a reference that names no data object or data store is an
//! error.

use std::collections::HashMap;

use super::build::Builder;
use super::tree::{Element, Ns};
use crate::model::{DataObject, Mapping, ScopeIdx};

/// What a data reference id stands for.
#[derive(Debug, Clone)]
pub(crate) enum DataRef {
    /// A data object (or a reference to one): the variable's name.
    Object(String),
    /// A data store reference: ignored.
    Store,
}

impl<'t> Builder<'t, '_> {
    /// Handles a data element of a process or sub-process body; false when `e` is none.
    pub(crate) fn data_element(&mut self, e: &'t Element, scope: ScopeIdx) -> bool {
        match e.local.as_str() {
            "dataObject" => {
                let Some(id) = e.id() else {
                    self.ctx.error(e, "dataObject has no id");
                    return true;
                };
                let initial = self
                    .ctx
                    .doc
                    .tree
                    .children(e)
                    .filter(|c| c.local == "extensionElements")
                    .flat_map(|x| self.ctx.doc.tree.children(x))
                    .find(|v| v.local == "value" && v.ns != Ns::Bpmn)
                    .map(|v| v.text.trim().to_owned());
                if let Some(s) = self.scopes.get_mut(scope.0 as usize) {
                    s.data_objects.push(DataObject {
                        id: id.to_owned(),
                        initial,
                    });
                }
                self.data_refs
                    .insert(id.to_owned(), DataRef::Object(id.to_owned()));
                true
            }
            "dataObjectReference" => {
                if let Some(id) = e.id() {
                    let target = e.attr("dataObjectRef").map(str::trim).unwrap_or_default();
                    self.pending_data_refs
                        .push((id.to_owned(), target.to_owned(), e));
                }
                true
            }
            // A property of a process or sub-process is a variable of its scope, like a data
            // object without a value.
            "property" => {
                let Some(id) = e.id() else {
                    self.ctx.error(e, "property has no id");
                    return true;
                };
                if let Some(s) = self.scopes.get_mut(scope.0 as usize) {
                    s.data_objects.push(DataObject {
                        id: id.to_owned(),
                        initial: None,
                    });
                }
                self.data_refs
                    .insert(id.to_owned(), DataRef::Object(id.to_owned()));
                true
            }
            // The process's own data inputs and outputs (what a call activity passes in and
            // gets back); those of a sub-process are its data associations' business.
            "ioSpecification" => {
                if scope == ScopeIdx::ROOT {
                    self.process_io(e);
                }
                true
            }
            "dataStoreReference" | "dataStore" => {
                if let Some(id) = e.id() {
                    self.data_refs.insert(id.to_owned(), DataRef::Store);
                }
                true
            }
            _ => false,
        }
    }

    /// The `dataInput`s and `dataOutput`s of the process's `ioSpecification`, by id.
    fn process_io(&mut self, spec: &'t Element) {
        let tree = self.ctx.doc.tree;
        for d in tree.children(spec).filter(|c| c.ns == Ns::Bpmn) {
            let list = match d.local.as_str() {
                "dataInput" => &mut self.data_inputs,
                "dataOutput" => &mut self.data_outputs,
                _ => continue,
            };
            match d.id() {
                Some(id) => {
                    list.push(id.to_owned());
                    // A variable of the process, so activities' data associations may read
                    // (data input) or write (data output) it, as BPMN tools draw them.
                    self.data_refs
                        .insert(id.to_owned(), DataRef::Object(id.to_owned()));
                }
                None => self.ctx.error(d, format!("{} has no id", d.local)),
            }
        }
    }

    /// Resolves data object references, then turns the data associations of every activity
    /// into mappings (see the module documentation).
    pub(crate) fn resolve_data(&mut self) {
        for (id, target, e) in std::mem::take(&mut self.pending_data_refs) {
            if target.is_empty() {
                // A reference to no data object (`dataObjectRef` is optional): a variable of
                // its own, named by its id, undefined until written.
                self.data_refs.insert(id.clone(), DataRef::Object(id));
                continue;
            }
            match self.data_refs.get(&target) {
                Some(DataRef::Object(var)) => {
                    let var = var.clone();
                    self.data_refs.insert(id, DataRef::Object(var));
                }
                _ => self.ctx.error(
                    e,
                    format!(
                        "dataObjectRef \"{target}\" does not name a dataObject of this process"
                    ),
                ),
            }
        }
        let refs = self.data_refs.clone();
        for i in 0..self.node_elems.len() {
            let Some(&e) = self.node_elems.get(i) else {
                continue;
            };
            let (inputs, outputs) = self.associations(e, &refs);
            if let Some(node) = self.nodes.get_mut(i) {
                node.inputs.extend(inputs);
                node.outputs.extend(outputs);
            }
        }
    }

    fn associations(
        &mut self,
        e: &Element,
        refs: &HashMap<String, DataRef>,
    ) -> (Vec<Mapping>, Vec<Mapping>) {
        let tree = self.ctx.doc.tree;
        let mut inputs = Vec::new();
        let mut outputs = Vec::new();
        for a in tree.children(e).filter(|c| c.ns == Ns::Bpmn) {
            let input = match a.local.as_str() {
                "dataInputAssociation" => true,
                "dataOutputAssociation" => false,
                _ => continue,
            };
            if tree.child(a, &Ns::Bpmn, "assignment").is_some()
                || tree.child(a, &Ns::Bpmn, "transformation").is_some()
            {
                self.ctx.exec_error(
                    e,
                    format!(
                        "{} with an assignment or transformation is not supported yet",
                        a.local
                    ),
                );
                continue;
            }
            let texts = |local: &str| -> Vec<String> {
                tree.children_named(a, &Ns::Bpmn, local)
                    .map(|r| r.text.trim().to_owned())
                    .filter(|t| !t.is_empty())
                    .collect()
            };
            // The data object side: sourceRef of an input, targetRef of an output.
            let (object_side, task_side) = if input {
                (texts("sourceRef"), texts("targetRef"))
            } else {
                (texts("targetRef"), texts("sourceRef"))
            };
            let task_var = task_side.first();
            for r in &object_side {
                let var = match refs.get(r) {
                    Some(DataRef::Object(var)) => var.clone(),
                    Some(DataRef::Store) => continue,
                    // A data store reference drawn in another pool: ignored like any.
                    None if self.ctx.doc.is_data_store(r) => continue,
                    None => {
                        self.ctx.error(
                            e,
                            format!(
                                "{} {} \"{r}\" names no data object or data store",
                                a.local,
                                if input { "sourceRef" } else { "targetRef" }
                            ),
                        );
                        continue;
                    }
                };
                let Some(task_var) = task_var.filter(|t| **t != var) else {
                    continue;
                };
                let (source, target) = if input {
                    (var.as_str(), task_var.as_str())
                } else {
                    (task_var.as_str(), var.as_str())
                };
                let what = format!("{} of \"{r}\"", a.local);
                if let Some(expression) = self.ctx.ok(e, plain_variable(source, &what)) {
                    let mapping = Mapping {
                        source: expression,
                        target: target.to_owned(),
                    };
                    if input {
                        inputs.push(mapping);
                    } else {
                        outputs.push(mapping);
                    }
                }
            }
        }
        (inputs, outputs)
    }
}

/// A variable reference as an expression. Any id names a variable (e.g. a data input id with
/// hyphens, as Signavio and Trisotech write them: `_0fa2af52-a3d6-...`); a name FEEL cannot
/// hold (such as one with a space at its end) is an error.
pub(crate) fn plain_variable(
    name: &str,
    what: &str,
) -> Result<crate::expression::Expression, String> {
    if name.trim() != name || name.is_empty() {
        return Err(format!("{what}: \"{name}\" is not a variable name"));
    }
    crate::expression::Expression::variable(name)
        .map_err(|e| format!("{what}: \"{name}\" is not a variable name: {e}"))
}

#[cfg(test)]
mod tests {
    use super::plain_variable;

    #[test]
    fn any_id_names_a_variable_but_an_empty_or_padded_one() {
        for name in ["items", "_0fa2af52-a3d6-4be6", "Data Object 1", "a.b"] {
            assert!(plain_variable(name, "x").is_ok(), "{name}");
        }
        for name in ["", " items", "2items"] {
            assert!(plain_variable(name, "x").is_err(), "{name}");
        }
    }
}
