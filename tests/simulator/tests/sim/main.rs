//! Integration tests of the PeopleSpheres simulator (one binary, one module per concern).

mod auth;
mod common;
mod faults;
mod graphql;
mod rest;
mod seed;
