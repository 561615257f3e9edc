//! `camunda:asyncBefore` (and its legacy name `camunda:async`), `camunda:asyncAfter` and
//! `camunda:exclusive` → [`AsyncContinuations`]. Read on every flow node and on
//! `multiInstanceLoopCharacteristics` (for the inner instances). Values are `xsd:boolean`; any
//! other value is a warning and counts as absent.

use super::context::Ctx;
use super::tree::{Element, Ns};
use crate::model::AsyncContinuations;

/// The continuations declared on `at` (the flow node or its loop characteristics); problems
/// are reported at the flow node `e`.
pub(crate) fn read(ctx: &mut Ctx<'_, '_>, e: &Element, at: &Element) -> AsyncContinuations {
    let mut flag = |name: &str, default: bool| match at.ns_attr(&Ns::Camunda, name).map(str::trim) {
        None => default,
        Some("true" | "1") => true,
        Some("false" | "0") => false,
        Some(other) => {
            ctx.warning(
                e,
                format!("camunda:{name} \"{other}\" is not true or false; it is ignored"),
            );
            default
        }
    };
    AsyncContinuations {
        before: flag("asyncBefore", false) | flag("async", false),
        after: flag("asyncAfter", false),
        exclusive: flag("exclusive", true),
    }
}
