#!/usr/bin/env bash
# Where a client's CPU time goes in a burst, by real-time sampling: what
# `scripts/instructions.sh` cannot see — memory the core waits on, data handed between
# threads, pages touched for the first time (docs/BENCHMARKS.md, "Sixth round").
#
#   scripts/time-profile.sh          # the SDK client, a 22,000-message burst
#   scripts/time-profile.sh raw      # the raw socket client
#   scripts/time-profile.sh sdk 50000
#
# `perf record -e cpu-clock` samples every thread of `chinwag-bench burst KIND N` with its call
# stack (DWARF unwinding: release builds keep no frame pointers). A sample counts as the
# client's work when its stack passes through the benchmark's sending loop, a client's driver
# task or a receiving task, and not through the set-up's password hashing; the server runs in
# a child process and its samples are left out the same way. Printed: each function's share of
# those samples, inclusive (the function and what it calls), the largest first. Compare the
# shares with `scripts/instructions.sh --top` (instructions): a function whose share of time is
# well above its share of instructions waits on memory.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KIND="${1:-sdk}"
N="${2:-22000}"
TOP=45

command -v perf >/dev/null || apt_install linux-perf
cargo build --quiet --release --locked -p chinwag-bench
bench="$CARGO_TARGET_DIR/release/chinwag-bench"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

perf record --quiet -F 4000 -e cpu-clock --call-graph dwarf,8192 -o "$work/perf.data" \
  "$bench" burst "$KIND" "$N" 2>&1 | tail -1
perf script -i "$work/perf.data" -F ip,sym 2>/dev/null >"$work/stacks"

# One sample is a block of frames (one per line: address, symbol) ended by a blank line.
awk -v top="$TOP" '
  function flush(   i, f, n, client) {
    client = 0
    for (i = 1; i <= depth; i++) {
      if (frame[i] ~ /hash_password/) { depth = 0; return }
      if (frame[i] ~ /one_to_one::burst|client::tasks::Tasks::spawn|sdk_receiver|raw_receiver/) client = 1
    }
    if (client) {
      samples++
      delete seen
      for (i = 1; i <= depth; i++) {
        f = frame[i]
        if (!(f in seen)) { seen[f] = 1; inclusive[f]++ }
      }
    }
    depth = 0
  }
  NF == 0 { flush(); next }
  {
    $1 = ""
    sub(/^ /, "")
    sub(/ \(inlined\)$/, "")
    frame[++depth] = $0
  }
  END {
    flush()
    printf "%d samples of the client'"'"'s work; inclusive share of them by function:\n", samples
    for (f in inclusive) {
      # Frames of the runtime and of the thread itself are under every sample: left out.
      if (f ~ /^(tokio::runtime|std::sys|start_thread|clone3|core::ops::function|\[unknown\]|<std::sys)/) continue
      printf "%6.1f %%  %s\n", 100 * inclusive[f] / samples, substr(f, 1, 110) | "sort -rn | head -" top
    }
  }
' "$work/stacks"
