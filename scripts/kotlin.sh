#!/usr/bin/env bash
# The Kotlin bindings on the JVM, built with Maven (bindings/kotlin/pom.xml: kotlin-maven-plugin,
# JNA, kotlinx-coroutines, JUnit 5 from Maven Central). The JAR carries the Rust library for this
# platform under <jna-platform>/, so it runs without -Djna.library.path.
#
#   scripts/kotlin.sh jar <out.jar>                 build the JAR (release Rust library)
#   scripts/kotlin.sh test                          JUnit tests and the console example against
#                                                   a chinwag-server on an ephemeral loopback port
#   scripts/kotlin.sh example <url> <name> <pw>     run the console chat (examples/kotlin)
#
# Installs Maven and a JDK from Debian when missing; Maven caches its downloads in ~/.m2.
source "$(dirname "$0")/lib.sh"

# Quiet Maven on stderr (it prints only errors), without the colour resets it writes anyway.
mvn_q() {
  mvn -B -q --no-transfer-progress -Dstyle.color=never "$@" 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g' >&2
}

ensure_tools() {
  if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
    echo "installing Maven and a JDK"
    apt_install maven default-jdk-headless
  fi
}

# JNA's resource prefix for this machine (where it looks for native libraries in a JAR).
jna_platform() {
  case "$(uname -m)" in
    x86_64) echo linux-x86-64 ;;
    aarch64) echo linux-aarch64 ;;
    *) echo "linux-$(uname -m)" ;;
  esac
}

# Builds the Rust library ($1: debug|release), stages it under $2/<jna-platform>/, and
# installs dev.chinwag:chinwag into the local Maven repository; extra Maven arguments follow.
# Tests run only when the arguments name a server.
install_jar() {
  local profile="$1" native="$2"
  shift 2
  ensure_tools
  if [ "$profile" = release ]; then
    cargo build --quiet --locked --release -p chinwag-ffi
  else
    cargo build --quiet --locked -p chinwag-ffi
  fi
  mkdir -p "$native/$(jna_platform)"
  cp "$CARGO_TARGET_DIR/$profile/libchinwag_ffi.so" "$native/$(jna_platform)/"
  mvn_q -f bindings/kotlin/pom.xml -Dchinwag.native.dir="$native" "$@" install
}

# Prints the classpath of the console example (its classes and dependencies), building it.
example_classpath() {
  mvn_q -f examples/kotlin/pom.xml compile dependency:build-classpath \
    -Dmdep.outputFile="$PWD/examples/kotlin/target/classpath.txt"
  echo "examples/kotlin/target/classes:$(cat examples/kotlin/target/classpath.txt)"
}

run_example() {
  local work
  work="$(mktemp -d)"
  install_jar release "$work/native" -DskipTests
  rm -rf "$work"
  exec java -cp "$(example_classpath)" chinwag.example.ChatKt "$@"
}

# Two console chats talk through the server: alice and bob befriend each other, alice sends
# bob a line, both quit. Each reads commands from a FIFO held open on fd 7 (alice) / 8 (bob).
smoke_example() {
  local work="$1" cp alice="kca$RANDOM$RANDOM" bob="kcb$RANDOM$RANDOM"
  cp="$(example_classpath)"
  wait_for() { # $1 file, $2 pattern
    for _ in $(seq 200); do grep -q "$2" "$1" && return 0; sleep 0.1; done
    cat "$1" >&2; echo "example: no '$2' in $1" >&2; return 1
  }
  mkfifo "$work/alice.in" "$work/bob.in"
  java -cp "$cp" chinwag.example.ChatKt "$SERVER_URL" "$alice" pw-123456 <"$work/alice.in" >"$work/alice.out" 2>&1 &
  local alice_pid=$!
  java -cp "$cp" chinwag.example.ChatKt "$SERVER_URL" "$bob" pw-123456 <"$work/bob.in" >"$work/bob.out" 2>&1 &
  local bob_pid=$!
  exec 7>"$work/alice.in" 8>"$work/bob.in"
  wait_for "$work/alice.out" "logged in as $alice"
  wait_for "$work/bob.out" "logged in as $bob"
  echo "/friend $bob" >&7
  wait_for "$work/alice.out" "asked $bob to be friends"
  echo "/friend $alice" >&8
  wait_for "$work/bob.out" "you and $alice are friends"
  printf '/to %s\nhello from the console\n/quit\n' "$bob" >&7
  wait_for "$work/bob.out" "\[$alice\] hello from the console"
  echo /quit >&8
  exec 7>&- 8>&-
  wait "$alice_pid" "$bob_pid"
  wait_for "$work/alice.out" "^bye"
  wait_for "$work/bob.out" "^bye"
  echo "console example: alice and bob became friends and chatted"
}

run_test() {
  local key
  work="$(mktemp -d)"
  trap 'stop_server; rm -rf "$work"' EXIT
  key="kotlin-test-$RANDOM$RANDOM"
  start_server "$work" --notify-key "$key"
  install_jar debug "$work/native" -Dchinwag.server="$SERVER_URL" -Dchinwag.notifyKey="$key"
  grep -h -o 'tests="[0-9]*"\|failures="[0-9]*"\|errors="[0-9]*"' \
    bindings/kotlin/target/surefire-reports/TEST-*.xml | tr '\n' ' '
  echo "(JUnit, bindings/kotlin)"
  smoke_example "$work"
}

case "${1:-}" in
  jar)
    out="${2:?usage: scripts/kotlin.sh jar <out.jar>}"
    work="$(mktemp -d)"
    install_jar release "$work/native" -DskipTests
    cp bindings/kotlin/target/chinwag-0.1.0.jar "$out"
    rm -rf "$work"
    ;;
  test) run_test ;;
  example) shift; run_example "$@" ;;
  *) echo "usage: scripts/kotlin.sh jar <out.jar>|test|example <url> <name> <password>" >&2; exit 64 ;;
esac
