//! Command line: `apisec serve | analyze | user add` (room for `demo-traffic`, `import` later).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "apisec", version, about = "Self-hosted API security console")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web console (configured through environment variables, see README).
    Serve,
    /// Analyse log files without a database and write one JSON report.
    Analyze(AnalyzeArgs),
    /// Generate synthetic demo traffic (flags are the engine's: `apisec demo-traffic --help`).
    #[command(disable_help_flag = true)]
    DemoTraffic {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
        args: Vec<std::ffi::OsString>,
    },
    /// Manage local user accounts.
    #[command(subcommand)]
    User(UserCommand),
}

/// Flags of `apisec analyze`; the engine parses the same arguments (`engine::analyze::run_cli`).
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Input format; `auto` detects it per file.
    #[arg(long, default_value = "auto", value_parser = ["auto", "jsonl", "har", "nginx", "waf"])]
    pub format: String,
    /// Region whose compliance rules apply.
    #[arg(long, value_parser = ["cn", "intl"])]
    pub region: Option<String>,
    /// Write the report here instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Log files to analyse.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user (or reset its password) with a role in a tenant; creates the tenant if needed.
    Add {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        username: String,
        /// Password (at least 8 characters). Prefer the APISEC_USER_PASSWORD variable.
        #[arg(long, env = "APISEC_USER_PASSWORD")]
        password: String,
        #[arg(long, default_value = "viewer", value_parser = ["admin", "analyst", "viewer"])]
        role: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyze_flags_parse() {
        let cli = Cli::try_parse_from([
            "apisec", "analyze", "--format", "har", "--region", "intl", "--out", "r.json", "a.har",
        ])
        .unwrap();
        match cli.command {
            Command::Analyze(a) => {
                assert_eq!(a.format, "har");
                assert_eq!(a.region.as_deref(), Some("intl"));
                assert_eq!(a.files.len(), 1);
            }
            other => panic!("{other:?}"),
        }
        assert!(Cli::try_parse_from(["apisec", "analyze", "--format", "xml", "a"]).is_err());
        assert!(Cli::try_parse_from(["apisec", "analyze"]).is_err());
        let cli =
            Cli::try_parse_from(["apisec", "demo-traffic", "--seed", "7", "--out", "x"]).unwrap();
        assert!(matches!(cli.command, Command::DemoTraffic { args } if args.len() == 4));
    }
}
