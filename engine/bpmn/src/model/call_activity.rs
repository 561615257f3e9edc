//! Call activities: which process they start (and which version of it), and which variables go
//! into the called instance and come back from it.

use super::Mapping;
use crate::expression::Text;

/// A `callActivity`, from `zeebe:calledElement` (Camunda 8) or `calledElement` with
/// `camunda:calledElementBinding`, `camunda:in` and `camunda:out` (Camunda 7).
#[derive(Debug, Clone)]
pub struct CallActivity {
    /// The BPMN process id of the called process (static, or evaluated on activation).
    pub called_element: Text,
    /// Which version of it.
    pub binding: CalledBinding,
    /// Every variable visible at the call activity goes into the called instance
    /// (`propagateAllParentVariables`, default true; `camunda:in variables="all"`); otherwise
    /// only the call activity's local variables (its input mappings) and `in_mappings`.
    pub pass_all_variables: bool,
    /// `camunda:in source|sourceExpression target`: evaluated at the call activity, set in the
    /// called instance.
    pub in_mappings: Vec<Mapping>,
    /// Every variable of the called instance comes back when it completes
    /// (`propagateAllChildVariables`, default true; `camunda:out variables="all"`); ignored when
    /// the call activity has output mappings (`zeebe:output`, `camunda:out source target`), which
    /// then say what comes back.
    pub return_all_variables: bool,
}

/// Which version of the called process a call activity starts.
#[derive(Debug, Clone)]
pub enum CalledBinding {
    /// The latest version when the call activity is activated (the default).
    Latest,
    /// The version deployed with the calling process's version (`bindingType="deployment"`,
    /// `camunda:calledElementBinding="deployment"`).
    Deployment,
    /// A fixed version number (`camunda:calledElementBinding="version"` with
    /// `camunda:calledElementVersion`, static or an expression).
    Version(Text),
}
