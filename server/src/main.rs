//! `apisec`: the web console (`serve`), headless analysis (`analyze`) and admin commands.

use clap::Parser;
use server::cli::{Cli, Command, UserCommand};

/// mimalloc: the analysis allocates per record on every core, where glibc's malloc cost about a
/// fifth of the CPU (docs/performance.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h's `mi_option_e` (the sys crate names only older
/// options).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Tells mimalloc to keep freed memory instead of returning it to the kernel 10 ms later: with
/// transparent huge pages the analysis then faulted the same memory back in, 2 MiB cleared per
/// fault, for about a seventh of its CPU (docs/performance.md). The peak resident size is
/// unchanged (the memory is reused, not grown); a long-running console keeps its peak.
fn keep_freed_memory() {
    // SAFETY: sets a process-wide allocator option; valid at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

fn main() {
    keep_freed_memory();
    let cli = Cli::parse();
    let code = match cli.command {
        // The engine parses the same flags itself; clap above validated them and gave --help.
        Command::Analyze(_) => {
            let args: Vec<std::ffi::OsString> = std::env::args_os()
                .skip_while(|a| a != "analyze")
                .skip(1)
                .collect();
            engine::analyze::run_cli(args)
        }
        Command::DemoTraffic { args } => engine::demo::run_cli(args),
        Command::Serve => {
            server::init_tracing();
            let cfg = match server::config::Config::from_env() {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("apisec: {e}");
                    std::process::exit(2);
                }
            };
            match runtime().block_on(server::serve(cfg)) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("apisec: {e}");
                    1
                }
            }
        }
        Command::Import(args) => {
            with_config(|cfg| async move { server::cli::run_import(&cfg, args).await })
        }
        Command::LoadTestSeed => {
            with_config(|cfg| async move { server::cli::run_load_test_seed(&cfg).await })
        }
        Command::Backup(args) => {
            with_config(|cfg| async move { server::backup::run_backup(&cfg, args).await })
        }
        Command::Restore(args) => {
            with_config(|cfg| async move { server::backup::run_restore(&cfg, args).await })
        }
        Command::User(UserCommand::Add {
            tenant,
            username,
            password,
            role,
        }) => {
            server::init_tracing();
            let run = async {
                let cfg = server::config::Config::from_env()?;
                let b = server::open_backend(&cfg, false)
                    .await
                    .map_err(|e| e.to_string())?;
                let role = backend::tenancy::Role::parse(&role).map_err(|e| e.to_string())?;
                backend::seed::add_user(&b, &tenant, &username, &password, role)
                    .await
                    .map_err(|e| e.to_string())?;
                println!("user {username} is {} in tenant {tenant}", role.as_str());
                Ok::<(), String>(())
            };
            match runtime().block_on(run) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("apisec: {e}");
                    1
                }
            }
        }
    };
    std::process::exit(code);
}

/// Runs a database command with the configuration of `serve`; exit code 2 when it is invalid.
fn with_config<F: std::future::Future<Output = i32>>(
    command: impl FnOnce(server::config::Config) -> F,
) -> i32 {
    server::init_tracing();
    match server::config::Config::from_env() {
        Ok(cfg) => runtime().block_on(command(cfg)),
        Err(e) => {
            eprintln!("apisec: {e}");
            2
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}
