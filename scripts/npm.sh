#!/usr/bin/env bash
# The npm package `chinwag` (bindings/typescript) from the chinwag-wasm crate.
#
#   scripts/npm.sh build   wasm32 build → wasm-bindgen (--target web) → wasm-opt -O1 into
#                          bindings/typescript/dist; prints the .wasm's raw and gzip size and
#                          fails above 251,000 bytes gzip (the package's budget)
#   scripts/npm.sh pack    build, then `npm pack` into target/npm (prints the tarball's path)
#   scripts/npm.sh test    pack, install the tarball into a scratch folder, type-check a
#                          TypeScript program against it (strict, no `any` in the package's
#                          types), run the Node test (node:test, no flags) and the browser test
#                          (headless Chromium via playwright-core), both against chinwag-server;
#                          then the example page's test: two Chromium windows chat through it
#   scripts/npm.sh store-test
#                          the IndexedDB store's tests (with the store conformance suite) in
#                          headless Chromium through wasm-bindgen-test and chromedriver
#   scripts/npm.sh serve [serve.mjs flags]
#                          pack, install into examples/web, start chinwag-server and serve the
#                          example chat page (http://127.0.0.1:8000 by default)
#
# Installs what it needs: the wasm32 target, wasm-bindgen-cli (the exact version Cargo.lock
# pins), and into ~/.cache/chinwag/npm-tools binaryen (wasm-opt), typescript and
# playwright-core from npm; Chromium (and chromedriver) from Debian when missing.
source "$(dirname "$0")/lib.sh"

PKG=bindings/typescript
TOOLS="$HOME/.cache/chinwag/npm-tools"
BINARYEN_VERSION=132.0.0
TYPESCRIPT_VERSION=5.9.3
PLAYWRIGHT_VERSION=1.65.1
# The most the shipped .wasm may weigh gzipped (-9), in bytes.
GZIP_BUDGET=251000
# Rust's default wasm32 features, which the module uses and wasm-opt must keep.
WASM_FEATURES=(--enable-bulk-memory --enable-reference-types --enable-sign-ext
  --enable-nontrapping-float-to-int --enable-mutable-globals --enable-multivalue)

npm_q() { npm --silent --no-audit --no-fund --loglevel=error "$@"; }

ensure_tools() {
  rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
  local want
  want="$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')"
  if [ "$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$want" ]; then
    echo "installing wasm-bindgen-cli $want (a few minutes)"
    # Not --locked: the CLI's own lock file pins a yanked crate (see shared/TOOLCHAIN.md).
    cargo install --quiet wasm-bindgen-cli --version "$want"
  fi
  if [ ! -x "$TOOLS/node_modules/.bin/wasm-opt" ] || [ ! -x "$TOOLS/node_modules/.bin/tsc" ] ||
     ! grep -q "\"version\": \"$PLAYWRIGHT_VERSION\"" "$TOOLS/node_modules/playwright-core/package.json" 2>/dev/null; then
    echo "installing binaryen $BINARYEN_VERSION, typescript $TYPESCRIPT_VERSION, playwright-core $PLAYWRIGHT_VERSION"
    mkdir -p "$TOOLS"
    (cd "$TOOLS" && npm_q install "binaryen@$BINARYEN_VERSION" "typescript@$TYPESCRIPT_VERSION" \
      "playwright-core@$PLAYWRIGHT_VERSION")
  fi
}

build() {
  ensure_tools
  cargo build --quiet --locked -p chinwag-wasm --target wasm32-unknown-unknown --profile wasm-release
  local raw="$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/chinwag_wasm.wasm"
  rm -rf "$PKG/dist"
  # Names, the producers list (toolchain versions) and the target-features section are for
  # tools, not for the page: none of them ships.
  wasm-bindgen "$raw" --target web --out-dir "$PKG/dist" --out-name chinwag_wasm \
    --remove-name-section --remove-producers-section
  # -O1, not -Oz: -Oz makes the module ~8% smaller raw but ~9% larger gzipped (its code
  # folding leaves less for gzip to find), and what a page downloads is the gzip size.
  "$TOOLS/node_modules/.bin/wasm-opt" -O1 --strip-target-features "${WASM_FEATURES[@]}" \
    "$PKG/dist/chinwag_wasm_bg.wasm" -o "$PKG/dist/chinwag_wasm_bg.wasm"
  local size gz
  size="$(stat -c %s "$PKG/dist/chinwag_wasm_bg.wasm")"
  gz="$(gzip -9 -c "$PKG/dist/chinwag_wasm_bg.wasm" | wc -c)"
  awk -v s="$size" -v g="$gz" -v r="$(stat -c %s "$raw")" 'BEGIN {
    printf "chinwag_wasm_bg.wasm: %d bytes raw (%.1f KiB), %d bytes gzip (%.1f KiB); cargo output %d bytes\n",
      s, s / 1024, g, g / 1024, r }'
  if [ "$gz" -gt "$GZIP_BUDGET" ]; then
    echo "the package's WebAssembly is $gz bytes gzip, over its budget of $GZIP_BUDGET" >&2
    exit 1
  fi
  # The public surface is everything before wasm-bindgen's loader types (InitInput …).
  if sed '/^export type InitInput/,$d' "$PKG/dist/chinwag_wasm.d.ts" | grep -nE '\bany\b' |
     grep -vE '^[0-9]+:\s*(\*|/\*\*)'; then
    echo "the generated types use 'any' (above): give the export an unchecked_return_type/param_type" >&2
    exit 1
  fi
}

pack() { # prints the tarball's path
  build >&2
  mkdir -p target/npm
  local name
  name="$(cd "$PKG" && npm pack --silent --pack-destination "$OLDPWD/target/npm" 2>/dev/null | tail -1)"
  echo "$PWD/target/npm/$name"
}

ensure_chromium() {
  if ! command -v chromium >/dev/null; then
    echo "installing chromium"
    apt_install chromium
  fi
}

# Installs the tarball $1 into examples/web/node_modules (not saved: the page's package.json
# stays as committed), with playwright-core beside it for the page's test.
install_example() {
  (cd examples/web && npm_q install --no-save --no-package-lock "$1" &&
    ln -sfn "$TOOLS/node_modules/playwright-core" node_modules/playwright-core)
}

serve() {
  local tarball
  tarball="$(pack)"
  cargo build --quiet --locked -p chinwag-server
  install_example "$tarball"
  CHINWAG_SERVER_BIN="$CARGO_TARGET_DIR/debug/chinwag-server" exec node examples/web/serve.mjs "$@"
}

run_test() {
  local tarball
  tarball="$(pack)"
  echo "packed $tarball"
  cargo build --quiet --locked -p chinwag-server
  export CHINWAG_SERVER_BIN="$CARGO_TARGET_DIR/debug/chinwag-server"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  cp -r "$PKG/test" "$work/test"
  (cd "$work" && echo '{"name":"chinwag-consumer","private":true,"type":"module"}' >package.json &&
    npm_q install "$tarball" && ln -s "$TOOLS/node_modules/playwright-core" node_modules/playwright-core)
  echo "installed the tarball into $work"

  echo "--- TypeScript (strict) against the installed package"
  (cd "$work" && "$TOOLS/node_modules/.bin/tsc" --noEmit --strict --target es2022 \
    --lib es2022,esnext.disposable,dom --module nodenext --moduleResolution nodenext --skipLibCheck false test/typecheck.ts)
  echo "test/typecheck.ts compiles"

  echo "--- Node $(node --version) (no flags)"
  (cd "$work" && node --test test/node.test.mjs)

  echo "--- headless Chromium"
  ensure_chromium
  (cd "$work" && node --test test/browser.test.mjs)

  echo "--- examples/web: two Chromium windows chat through the page"
  install_example "$tarball"
  SCREENSHOT_DIR="$PWD/target/web-example" node --test examples/web/test/chat.test.mjs
}

# The IndexedDB store's tests (the store conformance suite among them) in headless Chromium:
# wasm-bindgen-test, with the runner from wasm-bindgen-cli and Debian's chromedriver
# (sdk/webdriver.json gives Chromium its flags).
store_test() {
  ensure_tools
  ensure_chromium
  if ! command -v chromedriver >/dev/null; then
    echo "installing chromium-driver"
    apt_install chromium-driver
  fi
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    CHROMEDRIVER="$(command -v chromedriver)" WASM_BINDGEN_TEST_TIMEOUT=120 \
    cargo test --locked -p chinwag --target wasm32-unknown-unknown --no-default-features \
    --features indexeddb,store-conformance --test indexeddb
}

case "${1:-}" in
  build) build ;;
  pack) pack ;;
  test) run_test ;;
  store-test) store_test ;;
  serve) shift; serve "$@" ;;
  *) echo "usage: scripts/npm.sh build|pack|test|store-test|serve [flags]" >&2; exit 64 ;;
esac
