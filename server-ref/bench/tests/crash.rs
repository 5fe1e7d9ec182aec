//! The client crash test, short: 20 cycles of a sender on a SQLite store killed with SIGKILL
//! (a third of them offline), against a real server (see `src/crash.rs`).

use std::process::Command;

#[test]
fn a_sender_killed_20_times_loses_repeats_and_reorders_nothing() {
    let out = Command::new(env!("CARGO_BIN_EXE_chinwag-bench"))
        .args(["crash", "--cycles", "20"])
        .output()
        .expect("chinwag-bench runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find(|l| l.starts_with("client crash:"))
        .expect("the result line");
    let n: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    let [
        cycles,
        sends,
        lost,
        duplicated,
        out_of_order,
        _,
        offline,
        delivered,
        _,
        _,
    ] = n[..]
    else {
        panic!("unexpected line: {line}");
    };
    assert_eq!(cycles, 20, "{line}");
    assert!(sends > 0, "{line}");
    assert_eq!((lost, duplicated, out_of_order), (0, 0, 0), "{line}");
    assert!(offline > 0, "some sends were made offline: {line}");
    assert_eq!(
        delivered, offline,
        "the store delivered every offline send: {line}"
    );
}
