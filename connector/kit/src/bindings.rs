//! The contract's generated bindings, the one place its types are defined for every connector.
//!
//! On `wasm32` the bindings are generated for the connector's own world, `http-connector`, so
//! the component-type section the build embeds names every import that world allows at the
//! WASI version `wit/deps` holds; `wit-component` then raises the older versions waki and the
//! standard library emit to that one. The WASI interfaces the connector reaches only through
//! waki map to waki's bindings (one set of wasi:http bindings, the one that is called); the few
//! that waki lacks (`wasi:cli` environment, exit and terminals, `wasi:random/insecure-seed`),
//! which only the standard library calls, get bindings that nothing here calls.
//!
//! Natively (the unit tests) only the contract's own world is generated: the same types and
//! traits, with imports that are never called.

#[cfg(target_arch = "wasm32")]
wit_bindgen::generate!({
    world: "http-connector",
    path: "../../wit",
    additional_derives: [PartialEq],
    // Each connector crate calls `connector_kit::export!` on its own `Guest` implementation.
    pub_export_macro: true,
    default_bindings_module: "connector_kit::bindings",
    with: {
        "wasi:http/types@0.2.12": waki::bindings::wasi::http::types,
        "wasi:http/outgoing-handler@0.2.12": waki::bindings::wasi::http::outgoing_handler,
        "wasi:io/error@0.2.12": waki::bindings::wasi::io::error,
        "wasi:io/poll@0.2.12": waki::bindings::wasi::io::poll,
        "wasi:io/streams@0.2.12": waki::bindings::wasi::io::streams,
        "wasi:clocks/monotonic-clock@0.2.12": waki::bindings::wasi::clocks::monotonic_clock,
        "wasi:clocks/wall-clock@0.2.12": waki::bindings::wasi::clocks::wall_clock,
        "wasi:random/random@0.2.12": waki::bindings::wasi::random::random,
        "wasi:cli/stdin@0.2.12": waki::bindings::wasi::cli::stdin,
        "wasi:cli/stdout@0.2.12": waki::bindings::wasi::cli::stdout,
        "wasi:cli/stderr@0.2.12": waki::bindings::wasi::cli::stderr,
        "wasi:random/insecure-seed@0.2.12": generate,
        "wasi:cli/environment@0.2.12": generate,
        "wasi:cli/exit@0.2.12": generate,
        "wasi:cli/terminal-input@0.2.12": generate,
        "wasi:cli/terminal-output@0.2.12": generate,
        "wasi:cli/terminal-stdin@0.2.12": generate,
        "wasi:cli/terminal-stdout@0.2.12": generate,
        "wasi:cli/terminal-stderr@0.2.12": generate,
    },
});

#[cfg(not(target_arch = "wasm32"))]
wit_bindgen::generate!({
    world: "connector-api",
    path: "../../wit",
    additional_derives: [PartialEq],
    pub_export_macro: true,
    default_bindings_module: "connector_kit::bindings",
});
