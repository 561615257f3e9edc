//! Camunda 7 forms of user tasks and start events: `camunda:formKey`, or `camunda:formRef` with
//! `camunda:formRefBinding` (`latest`, the default; `deployment`; `version` with
//! `camunda:formRefVersion`, a whole number). As in Camunda 7, an element may not have both a
//! form key and a form reference, and any other binding is refused at deployment.

use super::context::Ctx;
use super::tree::{Element, Ns};
use crate::model::{FormRef, FormRefBinding};

/// The Camunda 7 form of an element.
#[derive(Debug, Default)]
pub(crate) struct CamundaForm {
    /// `camunda:formKey`.
    pub form_key: Option<String>,
    /// `camunda:formRef` with its binding.
    pub form_ref: Option<FormRef>,
}

/// Reads and checks the Camunda 7 form attributes of `e` (a user task or a start event).
pub(crate) fn camunda(ctx: &mut Ctx<'_, '_>, e: &Element) -> CamundaForm {
    let attr = |name: &str| {
        e.ns_attr(&Ns::Camunda, name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let form_key = attr("formKey").map(str::to_owned);
    let Some(key) = attr("formRef") else {
        return CamundaForm {
            form_key,
            form_ref: None,
        };
    };
    if form_key.is_some() {
        ctx.exec_error(
            e,
            "only one of camunda:formKey and camunda:formRef is allowed",
        );
    }
    let binding = match attr("formRefBinding").unwrap_or("latest") {
        "latest" => FormRefBinding::Latest,
        "deployment" => FormRefBinding::Deployment,
        "version" => match attr("formRefVersion").map(str::parse::<u32>) {
            Some(Ok(v)) => FormRefBinding::Version(v),
            Some(Err(_)) | None => {
                let given = attr("formRefVersion").unwrap_or_default();
                ctx.exec_error(
                    e,
                    format!(
                        "camunda:formRefBinding=\"version\" needs camunda:formRefVersion, a whole number (got \"{given}\")"
                    ),
                );
                FormRefBinding::Latest
            }
        },
        other => {
            ctx.exec_error(
                e,
                format!(
                    "camunda:formRefBinding \"{other}\" is not one of deployment, latest, version"
                ),
            );
            FormRefBinding::Latest
        }
    };
    CamundaForm {
        form_key,
        form_ref: Some(FormRef {
            key: key.to_owned(),
            binding,
        }),
    }
}
