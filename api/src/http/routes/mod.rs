//! Route handlers, one file per resource. Which route maps to which handler, and the role it
//! needs, is declared once in [`crate::http::openapi::routes`].

pub mod audit;
pub mod definitions;
pub mod health;
pub mod incidents;
pub mod instances;
pub mod jobs;
pub mod messages;
pub mod tasks;
