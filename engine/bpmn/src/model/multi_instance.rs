//! Multi-instance loop characteristics: how many inner instances an activity runs, with which
//! item each, and when it is done.

use crate::expression::Expression;

/// `multiInstanceLoopCharacteristics` of a task or embedded sub-process, from the Zeebe
/// (`zeebe:loopCharacteristics`) or Camunda 7 (`camunda:collection`, `camunda:elementVariable`)
/// extensions and the BPMN `loopCardinality` / `completionCondition`.
#[derive(Debug, Clone)]
pub struct MultiInstance {
    /// `isSequential`: one inner instance after the other; else all at once.
    pub is_sequential: bool,
    /// The list with one item per inner instance (`inputCollection`, `camunda:collection`).
    pub input_collection: Option<Expression>,
    /// The variable that holds the item in each inner instance (`inputElement`,
    /// `camunda:elementVariable`).
    pub input_element: Option<String>,
    /// The number of inner instances when there is no input collection (`loopCardinality`).
    pub loop_cardinality: Option<Expression>,
    /// The variable that collects one `output_element` per inner instance, in order
    /// (`outputCollection`).
    pub output_collection: Option<String>,
    /// Evaluated in each inner instance when it completes (`outputElement`).
    pub output_element: Option<Expression>,
    /// Evaluated after each inner instance completes; true ends the activity, terminating the
    /// inner instances still running (`completionCondition`).
    pub completion_condition: Option<Expression>,
    /// `loopCounter` of the first inner instance: 1 with `zeebe:loopCharacteristics` (Zeebe),
    /// else 0 (Camunda 7).
    pub loop_counter_start: i64,
}
