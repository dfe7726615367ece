//! Which of the options other commands take (`--config`, `--json`, `--record`) mean nothing
//! to a command: they are hidden from its help and completions, and refused when given on its
//! command line (an environment variable such as `CONNECTOR_HOST_CONFIG` set for every command
//! is not an error).

use clap::parser::ValueSource;
use std::path::PathBuf;

use clap::{Arg, ArgAction, ArgMatches, Command, CommandFactory, value_parser};

/// (command, an option it has no use for, why).
const UNUSED: &[(&str, &str, &str)] = &[
    ("completions", "config", "it prints a shell script"),
    ("completions", "json", "it prints a shell script"),
    ("demo", "config", "it serves the built-in demo tenant"),
    (
        "serve",
        "json",
        "it runs until stopped and prints its address and swaps as lines",
    ),
    (
        "serve",
        "record",
        "it runs until stopped and would hold every exchange in memory; record the commands you want to replay instead",
    ),
];

/// The command line as clap sees it, with each command's unused options hidden.
pub(super) fn command<C: CommandFactory>() -> Command {
    let mut cmd = C::command();
    // A command that already has an argument of a global option's id does not inherit it: give
    // each such command a hidden stand-in, so its help and completions do not offer the option.
    for (name, id, _) in UNUSED {
        cmd = cmd.mut_subcommand(*name, |sub| {
            let arg = Arg::new(*id).long(*id).hide(true);
            sub.arg(match *id {
                "json" => arg.action(ArgAction::SetTrue),
                _ => arg
                    .action(ArgAction::Set)
                    .value_parser(value_parser!(PathBuf)),
            })
        });
    }
    cmd
}

/// Refuses an option given on the command line to a command that has no use for it.
pub(super) fn check(matches: &ArgMatches) -> Result<(), String> {
    let Some((name, sub)) = matches.subcommand() else {
        return Ok(());
    };
    for (_, id, why) in UNUSED.iter().filter(|(n, _, _)| *n == name) {
        if sub.value_source(id) == Some(ValueSource::CommandLine) {
            return Err(format!(
                "--{} does nothing for `{name}` ({why})",
                id.replace('_', "-")
            ));
        }
    }
    Ok(())
}
