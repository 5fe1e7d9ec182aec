#!/usr/bin/env bash
# The C SDK: header generation and drift check, installation with pkg-config, and the C
# example and misuse tests under valgrind against a chinwag-server on an ephemeral port.
#
#   scripts/c-sdk.sh header            regenerate bindings/c/chinwag.h
#   scripts/c-sdk.sh check-header      fail if the committed header differs from a fresh one
#   scripts/c-sdk.sh install <prefix>  build and install include/, lib/ and lib/pkgconfig/chinwag.pc
#   scripts/c-sdk.sh test              check-header, install to a temporary prefix, build the C
#                                      programs with pkg-config, run them under valgrind
source "$(dirname "$0")/lib.sh"

CBINDGEN_VERSION=0.29.4
# What `cargo rustc -p chinwag-ffi --crate-type staticlib -- --print native-static-libs` prints
# on Linux; a static link needs them after the library.
NATIVE_LIBS="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"

ensure_tools() {
  local missing=()
  for tool in cc pkg-config valgrind; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [ ${#missing[@]} -eq 0 ] && return
  echo "installing ${missing[*]}"
  apt_install gcc pkg-config valgrind
}

ensure_cbindgen() {
  if ! cbindgen --version 2>/dev/null | grep -qx "cbindgen $CBINDGEN_VERSION"; then
    echo "installing cbindgen $CBINDGEN_VERSION"
    cargo install cbindgen --version "$CBINDGEN_VERSION" --locked --quiet
  fi
}

generate() { # $1: output file
  ensure_cbindgen
  cbindgen --quiet --config ffi/cbindgen.toml --crate chinwag-ffi --output "$1" ffi
}

check_header() {
  local fresh
  fresh="$(mktemp)"
  generate "$fresh"
  if ! diff -u bindings/c/chinwag.h "$fresh"; then
    rm -f "$fresh"
    echo "bindings/c/chinwag.h is out of date: run scripts/c-sdk.sh header and commit it" >&2
    exit 1
  fi
  rm -f "$fresh"
  echo "bindings/c/chinwag.h matches a fresh cbindgen run"
}

install_to() { # $1: prefix
  local prefix version
  prefix="$(mkdir -p "$1" && cd "$1" && pwd)"
  cargo build --quiet --locked -p chinwag-ffi
  version="$(cargo pkgid -p chinwag-ffi | sed 's/.*[#@]//')"
  mkdir -p "$prefix/include" "$prefix/lib/pkgconfig"
  cp bindings/c/chinwag.h "$prefix/include/"
  cp "$CARGO_TARGET_DIR/debug/libchinwag_ffi.so" "$CARGO_TARGET_DIR/debug/libchinwag_ffi.a" "$prefix/lib/"
  sed -e "s|@PREFIX@|$prefix|" -e "s|@VERSION@|$version|" -e "s|@NATIVE_LIBS@|$NATIVE_LIBS|" \
    bindings/c/chinwag.pc.in >"$prefix/lib/pkgconfig/chinwag.pc"
  echo "installed chinwag $version to $prefix"
}

run_tests() {
  ensure_tools
  check_header
  work="$(mktemp -d)"
  trap 'stop_server; rm -rf "$work"' EXIT
  install_to "$work/prefix"
  export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
  local cflags libs
  cflags="$(pkg-config --cflags chinwag)"
  libs="$(pkg-config --libs chinwag)"
  for program in examples/c/chat.c ffi/tests/c/misuse.c; do
    # shellcheck disable=SC2086
    cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g \
      $cflags -Iexamples/c "$program" -o "$work/$(basename "$program" .c)" $libs -lpthread
  done
  # Also link the static library, as a consumer without the shared one would.
  # shellcheck disable=SC2086
  cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra -Werror $cflags -Iexamples/c \
    examples/c/chat.c -o "$work/chat-static" "$work/prefix/lib/libchinwag_ffi.a" \
    $(pkg-config --static --libs-only-l chinwag | sed 's/-lchinwag_ffi//')

  start_server "$work"
  local url="$SERVER_URL"

  export LD_LIBRARY_PATH="$work/prefix/lib"
  local vg=(valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible
            --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99)
  echo "--- examples/c/chat.c under valgrind"
  "${vg[@]}" "$work/chat" "$url"
  echo "--- ffi/tests/c/misuse.c under valgrind"
  "${vg[@]}" "$work/misuse" "$url"
  echo "--- examples/c/chat.c, statically linked"
  "$work/chat-static" "$url" >/dev/null
  echo "C SDK: header current, example and misuse tests clean under valgrind"
}

case "${1:-}" in
  header) generate bindings/c/chinwag.h ;;
  check-header) check_header ;;
  install) install_to "${2:?usage: scripts/c-sdk.sh install <prefix>}" ;;
  test) run_tests ;;
  *) echo "usage: scripts/c-sdk.sh header|check-header|install <prefix>|test" >&2; exit 64 ;;
esac
