//! `chinwag-bench`: measures Chinwag against a baseline in the same run and prints one table
//! (Markdown), each value the median over runs.
//!
//! ```text
//! cargo run --release -p chinwag-bench                 # everything, 3 runs
//! cargo run --release -p chinwag-bench -- --runs 5
//! cargo run --release -p chinwag-bench -- --quick      # smaller sizes, 1 run (a smoke test)
//! cargo run --release -p chinwag-bench -- --only latency,fanout
//! cargo run --release -p chinwag-bench -- burst sdk 20000  # one burst (scripts/instructions.sh)
//! ```
//!
//! Sections: `latency`, `throughput`, `fanout`, `idle`, `ingest`, `logins`, `coldstart`, `split`,
//! `wasm`. The server under
//! test runs in a child process (this binary, `serve`), fresh per section, on a database
//! seeded directly. See docs/BENCHMARKS.md for the method and the baselines.

mod cold_start;
mod crash;
mod fanout;
mod idle;
mod ingest;
mod logins;
mod one_to_one;
mod raw;
mod server;
mod split;
mod stats;
mod traffic;
mod wasm_size;
mod world;

use std::time::Instant;

use stats::Measure;

/// The error type of the benchmark program.
pub type Fallible<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Prints a progress line to stderr.
pub fn progress(what: &str) {
    eprintln!("… {what}");
}

const SECTIONS: [&str; 9] = [
    "latency",
    "throughput",
    "fanout",
    "idle",
    "ingest",
    "logins",
    "coldstart",
    "split",
    "wasm",
];

struct Options {
    runs: usize,
    quick: bool,
    only: Vec<String>,
    build_wasm: bool,
}

fn options(args: &[String]) -> Fallible<Options> {
    let mut o = Options {
        runs: 3,
        quick: false,
        only: SECTIONS.iter().map(|s| s.to_string()).collect(),
        build_wasm: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--runs" => o.runs = it.next().ok_or("--runs needs a number")?.parse()?,
            "--quick" => o.quick = true,
            "--build-wasm" => o.build_wasm = true,
            "--only" => {
                o.only = it
                    .next()
                    .ok_or("--only needs a list")?
                    .split(',')
                    .map(str::to_string)
                    .collect();
                if let Some(bad) = o.only.iter().find(|s| !SECTIONS.contains(&s.as_str())) {
                    return Err(
                        format!("unknown section {bad}; sections: {}", SECTIONS.join(",")).into(),
                    );
                }
            }
            "-h" | "--help" => {
                println!(
                    "usage: chinwag-bench [--runs N] [--quick] [--only {}] [--build-wasm]",
                    SECTIONS.join(",")
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if o.quick {
        o.runs = 1;
    }
    Ok(o)
}

async fn one_run(o: &Options) -> Fallible<Vec<Measure>> {
    let on = |s: &str| o.only.iter().any(|x| x == s);
    let q = o.quick;
    let mut rows = Vec::new();
    if on("latency") {
        rows.extend(one_to_one::latency(1_000, if q { 1 } else { 5 }).await?);
        rows.extend(one_to_one::latency(10_000, if q { 1 } else { 2 }).await?);
    }
    if on("throughput") {
        rows.extend(one_to_one::throughput(if q { 5_000 } else { 20_000 }).await?);
    }
    if on("fanout") {
        rows.extend(
            fanout::fanout(
                if q { 200 } else { 1_000 },
                if q { 20 } else { 100 },
                if q { 20 } else { 100 },
            )
            .await?,
        );
    }
    if on("idle") {
        rows.extend(idle::idle(if q { &[1_000] } else { &[1_000, 10_000] }).await?);
    }
    if on("ingest") {
        rows.extend(ingest::ingest(32, 64, if q { 1.0 } else { 3.0 }).await?);
    }
    if on("logins") {
        rows.extend(logins::logins(1_000).await?);
    }
    if on("split") {
        rows.extend(
            split::split(
                1_000,
                if q { 1 } else { 3 },
                if q { 5_000 } else { 20_000 },
                if q { 200 } else { 1_000 },
                if q { 20 } else { 100 },
                if q { 20 } else { 100 },
            )
            .await?,
        );
    }
    if on("coldstart") {
        rows.extend(cold_start::cold_start(1_000, if q { 3 } else { 9 }).await?);
    }
    Ok(rows)
}

/// `burst sdk|raw N`: one one-to-one burst of N messages, then its rate, this process's CPU per
/// message, and the server's mean commit size and CPU per message on stderr.
fn burst(args: &[String]) -> Fallible {
    let usage = "usage: chinwag-bench burst sdk|raw N";
    let kind = match args.first().map(String::as_str) {
        Some("sdk") => one_to_one::Kind::Sdk,
        Some("raw") => one_to_one::Kind::Raw,
        _ => return Err(usage.into()),
    };
    let n: u64 = args.get(1).ok_or(usage)?.parse()?;
    let rt = tokio::runtime::Runtime::new()?;
    let (run, per_commit, server_us) = rt.block_on(one_to_one::burst(kind, n))?;
    eprintln!(
        "{n} messages: {:.0} msg/s, {}; \
         the server: {per_commit:.0} messages per commit, {server_us:.2} µs CPU per message",
        run.rate, run.usage
    );
    Ok(())
}

fn main() -> Fallible {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve") {
        return server::serve(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("crash-sender") {
        return crash::sender(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("crash") {
        let cycles = match args.get(1..) {
            Some([flag, n]) if flag == "--cycles" => n.parse()?,
            Some([]) | None => 200,
            _ => return Err("usage: chinwag-bench crash [--cycles N]".into()),
        };
        let rt = tokio::runtime::Runtime::new()?;
        println!("{}", rt.block_on(crash::crash(cycles))?);
        return Ok(());
    }
    if args.first().map(String::as_str) == Some("burst") {
        return burst(&args[1..]);
    }
    let o = options(&args)?;
    let rt = tokio::runtime::Runtime::new()?;
    let started = Instant::now();
    let mut runs = Vec::new();
    for run in 1..=o.runs {
        progress(&format!("run {run} of {}", o.runs));
        runs.push(rt.block_on(one_run(&o))?);
    }
    let mut rows = stats::medians(&runs);
    if o.only.iter().any(|s| s == "wasm") {
        rows.extend(wasm_size::wasm(o.build_wasm)?);
    }
    println!(
        "\nChinwag benchmarks: median of {} run(s), {} cores, {:.0} s\n",
        o.runs,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        started.elapsed().as_secs_f64()
    );
    println!("{}", stats::table(&rows, "baseline"));
    Ok(())
}
