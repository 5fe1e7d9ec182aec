# What every script under scripts/ starts with (sourced, not run): strict mode, the
# repository root as working directory, a fixed build cache outside the clone (so repeated
# runs, and CI on the same machine, reuse it), quiet Rust backtraces in tool errors; then the
# helpers the binding scripts share.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/chinwag/target}"
export RUST_BACKTRACE=0

# Installs Debian packages, with sudo when not root.
apt_install() {
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "$@" >/dev/null
}

# Starts a chinwag-server on an ephemeral loopback port with its database and files under
# $1 (extra arguments follow); sets SERVER_URL and SERVER_PID. Stop it with stop_server.
start_server() {
  local work="$1"
  shift
  cargo build --quiet --locked -p chinwag-server
  "$CARGO_TARGET_DIR/debug/chinwag-server" --listen 127.0.0.1:0 --db "$work/chat.db" \
    --files "$work/files" --addr-file "$work/addr" "$@" >"$work/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do [ -s "$work/addr" ] && break; sleep 0.1; done
  [ -s "$work/addr" ] || { cat "$work/server.log" >&2; echo "the server did not start" >&2; exit 1; }
  SERVER_URL="http://$(cat "$work/addr")"
  echo "chinwag-server on $SERVER_URL"
}

# Stops the server start_server started, if any.
stop_server() {
  if [ -n "${SERVER_PID:-}" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
