//! Loop characteristics: how many inner instances a multi-instance activity runs, with which
//! item each, and when it is done; and standard loops, which run an activity while a condition
//! holds.

use super::AsyncContinuations;
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
    /// `outputDataItem`: a variable each inner instance defines locally (null at first), so
    /// that what the inner instance writes there stays its own until `output_element` (then a
    /// reference to it) collects it.
    pub output_item: Option<String>,
    /// Evaluated after each inner instance completes; true ends the activity, terminating the
    /// inner instances still running (`completionCondition`).
    pub completion_condition: Option<Expression>,
    /// `loopCounter` of the first inner instance: 1 with `zeebe:loopCharacteristics` (Zeebe),
    /// else 0 (Camunda 7); 1 for a standard loop.
    pub loop_counter_start: i64,
    /// Set for `standardLoopCharacteristics`: the activity runs again and again, one iteration
    /// after the other, while the loop condition holds (the other fields are then unused, except
    /// `is_sequential`, always true, and `loop_counter_start`).
    pub standard_loop: Option<StandardLoop>,
    /// `camunda:asyncBefore` / `camunda:asyncAfter` on `multiInstanceLoopCharacteristics`:
    /// continuations before and after each inner instance (none for a standard loop).
    pub inner_async: AsyncContinuations,
}

/// `standardLoopCharacteristics`.
#[derive(Debug, Clone)]
pub struct StandardLoop {
    /// `loopCondition`: evaluated after each iteration (and before the first with
    /// `test_before`), in the iteration's scope with `loopCounter` = iterations done; false ends
    /// the loop.
    pub loop_condition: Option<Expression>,
    /// `testBefore`: the condition is also checked before the first iteration (a while loop),
    /// else the activity runs at least once (a do-while loop).
    pub test_before: bool,
    /// `loopMaximum`: at most this many iterations.
    pub loop_maximum: Option<u32>,
}
