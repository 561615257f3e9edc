//! The `keel` binary's library: the HTTP API (`http`) and the command-line interface (`cli`).
//! This is the only crate that knows HTTP and JSON wire shapes; engine types are converted to
//! DTOs here.

pub mod cli;
pub mod http;
