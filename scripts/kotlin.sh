#!/usr/bin/env bash
# The Kotlin bindings on the JVM: build bindings/kotlin into a JAR with kotlinc, and run the
# end-to-end test (bindings/kotlin/src/test/kotlin) against a chinwag-server on an ephemeral
# loopback port.
#
#   scripts/kotlin.sh jar <out.jar>   build the JAR of the generated bindings
#   scripts/kotlin.sh test            build, start a server, run the test on the JVM
#
# Installs what it needs: kotlin-compiler 2.4.20 from npm (into ~/.cache/chinwag/kotlin) and
# JNA from Debian (libjna-java, libjna-jni).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/chinwag/target}"
export RUST_BACKTRACE=0

KOTLIN_VERSION=2.4.20
KOTLIN_HOME="$HOME/.cache/chinwag/kotlin/node_modules/kotlin-compiler"
JNA=/usr/share/java/jna.jar

ensure_tools() {
  if [ ! -x "$KOTLIN_HOME/bin/kotlinc-jvm" ] || ! grep -q "\"version\": \"$KOTLIN_VERSION\"" "$KOTLIN_HOME/package.json"; then
    echo "installing kotlin-compiler $KOTLIN_VERSION"
    mkdir -p "$HOME/.cache/chinwag/kotlin"
    (cd "$HOME/.cache/chinwag/kotlin" && npm install --silent --no-audit --no-fund "kotlin-compiler@$KOTLIN_VERSION")
  fi
  if [ ! -f "$JNA" ] || ! command -v java >/dev/null; then
    echo "installing JNA and a JDK"
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq && $sudo apt-get install -y -qq default-jdk-headless libjna-java libjna-jni >/dev/null
  fi
}

classpath() { echo "$JNA:$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar:$KOTLIN_HOME/lib/kotlin-stdlib.jar"; }

build_jar() { # $1: output jar
  ensure_tools
  "$KOTLIN_HOME/bin/kotlinc-jvm" -nowarn -cp "$(classpath)" \
    bindings/kotlin/src/main/kotlin/chinwag/chinwag_ffi.kt -d "$1"
}

run_test() {
  ensure_tools
  work="$(mktemp -d)"
  server_pid=""
  cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
  }
  trap cleanup EXIT
  cargo build --quiet --locked -p chinwag-ffi -p chinwag-server
  build_jar "$work/chinwag.jar"
  "$KOTLIN_HOME/bin/kotlinc-jvm" -nowarn -cp "$(classpath):$work/chinwag.jar" \
    bindings/kotlin/src/test/kotlin/ChinwagTest.kt -d "$work/test.jar"
  local key
  key="kotlin-test-$RANDOM$RANDOM"
  "$CARGO_TARGET_DIR/debug/chinwag-server" --listen 127.0.0.1:0 --db "$work/chat.db" \
    --files "$work/files" --notify-key "$key" --addr-file "$work/addr" >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$work/addr" ] && break; sleep 0.1; done
  [ -s "$work/addr" ] || { cat "$work/server.log" >&2; echo "the server did not start" >&2; exit 1; }
  java -Djna.library.path="$CARGO_TARGET_DIR/debug" -cp "$(classpath):$work/chinwag.jar:$work/test.jar" \
    ChinwagTestKt "http://$(cat "$work/addr")" "$key"
}

case "${1:-}" in
  jar) build_jar "${2:?usage: scripts/kotlin.sh jar <out.jar>}" ;;
  test) run_test ;;
  *) echo "usage: scripts/kotlin.sh jar <out.jar>|test" >&2; exit 64 ;;
esac
