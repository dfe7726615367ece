//! The SCIM simulator through its router (`tower::ServiceExt::oneshot`) and over loopback.

mod common;
mod discovery;
mod faults;
mod listing;
mod patch;
mod socket;
mod users;
