#!/usr/bin/env bash
# Client instructions per message, SDK against the raw socket client: a steadier measure than
# CPU time on a shared machine (docs/BENCHMARKS.md, "Client instructions per message").
#
#   scripts/instructions.sh          # the summary: median of 3 pairs of bursts per client
#   scripts/instructions.sh --top    # and each client's costliest functions per message
#
# Each client's burst (`chinwag-bench burst sdk|raw N`) runs under callgrind; the server runs
# natively in its child process (not traced), so the count is the clients' user-space work
# only. The count of a small burst (2,000 messages) is subtracted from a large one's (12,000),
# which removes set-up (seeding, logins, connecting): what is left is the per-message cost.
# How the frames fall into socket reads varies between runs (the raw client's count by up to
# 10 %), hence the median of three pairs. Also counted the same way: calls to `malloc` per
# message (the Rust allocator's and any other), a steadier sign of memory work than time.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SMALL=2000
LARGE=12000
TOP=false
[ "${1:-}" = "--top" ] && TOP=true

command -v valgrind >/dev/null || apt_install valgrind
cargo build --quiet --release --locked -p chinwag-bench
bench="$CARGO_TARGET_DIR/release/chinwag-bench"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Total instructions of one burst under callgrind; its profile stays in $work.
count() {
  valgrind --tool=callgrind --trace-children=no --callgrind-out-file="$work/$1.$2" \
    "$bench" burst "$1" "$2" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

# Calls to malloc in the profile of `count KIND N`: the call counts of malloc's callers.
mallocs() {
  callgrind_annotate --tree=caller "$work/$1.$2" 2>/dev/null |
    awk 'found { next }
         /^ *[0-9,]+ \([ 0-9.]+%\) +\* .*:malloc \[/ { found = 1; next }
         /^$/ { n = 0; next }
         / < / && match($0, /\([0-9,]+x\)/) { c = substr($0, RSTART + 1, RLENGTH - 3); gsub(",", "", c); n += c }
         END { print n + 0 }'
}

declare -A per allocs
for kind in sdk raw; do
  runs=()
  allocs_runs=()
  for _ in 1 2 3; do
    small="$(count "$kind" "$SMALL")"
    small_allocs="$(mallocs "$kind" "$SMALL")"
    large="$(count "$kind" "$LARGE")"
    large_allocs="$(mallocs "$kind" "$LARGE")"
    runs+=($(((large - small) / (LARGE - SMALL))))
    allocs_runs+=("$(awk -v l="$large_allocs" -v s="$small_allocs" -v d=$((LARGE - SMALL)) 'BEGIN { printf "%.1f", (l - s) / d }')")
  done
  per[$kind]="$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p)"
  allocs[$kind]="$(printf '%s\n' "${allocs_runs[@]}" | sort -n | sed -n 2p)"
  echo "$kind: ${runs[*]} instructions, ${allocs_runs[*]} mallocs per message" >&2
done
echo
echo "| client work per message (user space, sender + receiver) | SDK | raw | ratio |"
echo "|---|--:|--:|--:|"
awk -v s="${per[sdk]}" -v r="${per[raw]}" -v sa="${allocs[sdk]}" -v ra="${allocs[raw]}" 'BEGIN {
  printf "| instructions, %d − %d messages, callgrind, median of 3 | %d | %d | %.2f× |\n", '"$LARGE"', '"$SMALL"', s, r, s / r
  printf "| calls to malloc, the same bursts | %.1f | %.1f | %.2f× |\n", sa, ra, sa / ra
}'

if $TOP; then
  for kind in sdk raw; do
    echo
    echo "$kind: instructions per message by function (self), the 25 largest"
    for n in "$SMALL" "$LARGE"; do
      callgrind_annotate --threshold=100 "$work/$kind.$n" 2>/dev/null |
        sed -n 's/^ *\([0-9,]*\) ([^)]*) *[^:]*:\(.*\) \[.*$/\1\t\2/p' | tr -d , >"$work/$kind.$n.tsv"
    done
    awk -F'\t' -v d=$((LARGE - SMALL)) '
      FNR == NR { small[$2] += $1; next }
      { large[$2] += $1 }
      END { for (f in large) printf "%8d  %s\n", (large[f] - small[f]) / d, substr(f, 1, 120) }' \
      "$work/$kind.$SMALL.tsv" "$work/$kind.$LARGE.tsv" | sort -rn | sed -n 1,25p
  done
fi
