//! Read queries for the API.
