//! Data objects: variables of the process or sub-process they are declared in.

/// A `dataObject` of a scope: a variable of that scope, declared when the scope starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataObject {
    /// The data object's `id`, which is also the variable's name (as SpiffWorkflow names data
    /// objects; a `name` is only a label).
    pub id: String,
    /// Its initial value when the scope starts: the text of a `value` extension element
    /// (`camunda:value`, `flowable:value`, `activiti:value`, as a string), else null.
    pub initial: Option<String>,
}
