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
source scripts/lib.sh

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
    apt_install default-jdk-headless libjna-java libjna-jni
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
  trap 'stop_server; rm -rf "$work"' EXIT
  cargo build --quiet --locked -p chinwag-ffi
  build_jar "$work/chinwag.jar"
  "$KOTLIN_HOME/bin/kotlinc-jvm" -nowarn -cp "$(classpath):$work/chinwag.jar" \
    bindings/kotlin/src/test/kotlin/ChinwagTest.kt -d "$work/test.jar"
  local key
  key="kotlin-test-$RANDOM$RANDOM"
  start_server "$work" --notify-key "$key"
  java -Djna.library.path="$CARGO_TARGET_DIR/debug" -cp "$(classpath):$work/chinwag.jar:$work/test.jar" \
    ChinwagTestKt "$SERVER_URL" "$key"
}

case "${1:-}" in
  jar) build_jar "${2:?usage: scripts/kotlin.sh jar <out.jar>}" ;;
  test) run_test ;;
  *) echo "usage: scripts/kotlin.sh jar <out.jar>|test" >&2; exit 64 ;;
esac
