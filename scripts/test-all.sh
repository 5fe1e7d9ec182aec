#!/usr/bin/env bash
# The one command that passes all tests. Installs what it needs (the Rust toolchain
# components and the wasm32 target), then: format check, clippy with warnings as errors (also
# for the SDK's smol and browser adapters), the wasm32 build, the no-tokio check of the SDK
# core, rustdoc with warnings as errors, every Rust test (unit, wire round-trips, server and
# SDK end-to-end over real HTTP/WebSocket on loopback, under tokio and smol), the C SDK (header
# drift check, C example and misuse tests under valgrind), the uniffi bindings (drift check,
# Kotlin JUnit tests and console example on the JVM), the npm package (Node and headless
# Chromium against a server), and the demo.
source "$(dirname "$0")/lib.sh"

step() { printf '\n==> %s\n' "$*"; }

step "toolchain"
if ! command -v cargo >/dev/null; then
  echo "cargo not found: install Rust (https://rustup.rs) first" >&2
  exit 1
fi
if command -v rustup >/dev/null; then
  rustup component add rustfmt clippy >/dev/null 2>&1 || true
  rustup target add wasm32-unknown-unknown >/dev/null
fi
cargo --version

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
# uniffi-bindgen is built on its own (scripts/uniffi.sh): with the library, its `cli` feature
# would be merged into chinwag-ffi.
cargo clippy --workspace --exclude uniffi-bindgen --all-targets --locked -- -D warnings

step "the SDK's other adapters: smol (native) and browser (wasm32), clippy-clean"
cargo clippy -p chinwag --no-default-features --features smol --locked -- -D warnings
cargo clippy -p chinwag --no-default-features --features browser --target wasm32-unknown-unknown --locked -- -D warnings
cargo build -p chinwag --no-default-features --features browser --target wasm32-unknown-unknown --locked
cargo clippy -p chinwag-wasm --target wasm32-unknown-unknown --locked -- -D warnings

step "the SDK core without runtime features depends on no tokio"
if cargo tree -p chinwag --no-default-features -e normal --locked | grep -q tokio; then
  echo "tokio found in: cargo tree -p chinwag --no-default-features -e normal" >&2
  exit 1
fi
echo "no tokio"

step "rustdoc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --exclude uniffi-bindgen --no-deps --locked --quiet

step "nats-server (the split server's broker; Debian's package)"
if ! command -v nats-server >/dev/null && [ ! -x /usr/sbin/nats-server ]; then
  apt_install nats-server
fi
"$(command -v nats-server || echo /usr/sbin/nats-server)" --version

step "cargo test"
cargo test --workspace --exclude uniffi-bindgen --locked

step "server suites again, split: a backend and a gateway process over nats-server (seed 000)"
CHINWAG_TOPOLOGY=split cargo test -p chinwag-server --locked \
  --test room_002 --test module_003 --test xuanxuan --test cross_dialect --test sdk_ext \
  --test rules --test revocation --test hardening --test real_client --test xxd

step "facade: the generated exports match the table (ffi/facade)"
cargo run -q --locked -p chinwag-facade -- --check

step "C SDK: header drift, pkg-config install, C example and misuse tests under valgrind"
bash scripts/c-sdk.sh test

step "uniffi bindings (Kotlin, Swift) match a fresh generation"
bash scripts/uniffi.sh check

step "Kotlin on the JVM: Maven JAR, JUnit end to end against a server, the console example"
bash scripts/kotlin.sh test

step "npm package: wasm-bindgen + wasm-opt build, packed tarball, TypeScript check, Node and Chromium tests"
bash scripts/npm.sh test

step "the IndexedDB store in headless Chromium: the store conformance suite (wasm-bindgen-test)"
bash scripts/npm.sh store-test

step "Swift package"
if command -v swift >/dev/null; then
  bash scripts/swift.sh test
else
  echo "no Swift toolchain on this machine: Swift is generated and drift-checked above, not compiled"
fi

step "demo (the README's main command)"
cargo run --quiet --locked -p chinwag-examples --bin demo

step "all tests passed"
