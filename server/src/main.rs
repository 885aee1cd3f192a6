//! The `apisec` binary. (Placeholder until the console lands: only `analyze` works.)
fn main() {
    let mut args = std::env::args_os().skip(1);
    match args.next().and_then(|a| a.into_string().ok()).as_deref() {
        Some("analyze") => std::process::exit(engine::analyze::run_cli(args.collect())),
        Some("demo-traffic") => std::process::exit(engine::demo::run_cli(args.collect())),
        _ => {
            eprintln!("usage: apisec analyze [--format auto|jsonl|har|nginx|waf] [--region cn|intl] [--out FILE] FILE...");
            std::process::exit(2);
        }
    }
}
