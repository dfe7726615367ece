//! `connector-host`: see `connector_host::cli`.

fn main() {
    let code = connector_host::cli::run(
        std::env::args_os(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    );
    std::process::exit(code);
}
