//! Integration tests of the PeopleSpheres simulator (one binary, one module per concern).

mod auth;
mod common;
mod faults;
mod graphql;
mod profiles;
mod rest;
mod seed;
mod writes;
mod writes_forms;
mod writes_history;
mod writes_update;
