//! The component boundary: the session resource over [`crate::session::Session`] and `export!`,
//! as every connector of this workspace has it (`connector_kit::component!`).

connector_kit::component!();
