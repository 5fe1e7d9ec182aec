#!/usr/bin/env bash
# The uniffi bindings (Kotlin, Swift) of chinwag-ffi's facade (ffi/src/foreign).
#
#   scripts/uniffi.sh generate   regenerate bindings/kotlin/src/main/kotlin and bindings/swift/Sources
#   scripts/uniffi.sh check      fail if the committed bindings differ from a fresh generation
#
# The generated files are never edited by hand. The library and the uniffi-bindgen binary are
# built by separate cargo commands, so the bindgen's `cli` feature stays out of the library.
source "$(dirname "$0")/lib.sh"

KOTLIN_OUT=bindings/kotlin/src/main/kotlin
SWIFT_OUT=bindings/swift/Sources

generate_into() { # $1: output root
  cargo build --quiet --locked -p chinwag-ffi
  cargo build --quiet --locked -p uniffi-bindgen
  local lib="$CARGO_TARGET_DIR/debug/libchinwag_ffi.so" bindgen="$CARGO_TARGET_DIR/debug/uniffi-bindgen"
  rm -rf "$1/$KOTLIN_OUT" "$1/$SWIFT_OUT"
  mkdir -p "$1/$KOTLIN_OUT" "$1/$SWIFT_OUT/Chinwag" "$1/$SWIFT_OUT/ChinwagFFI/include"
  "$bindgen" generate "$lib" --language kotlin --out-dir "$1/$KOTLIN_OUT" --no-format >/dev/null
  local swift
  swift="$(mktemp -d)"
  "$bindgen" generate "$lib" --language swift --out-dir "$swift" --no-format >/dev/null
  mv "$swift/Chinwag.swift" "$1/$SWIFT_OUT/Chinwag/"
  mv "$swift/ChinwagFFI.h" "$1/$SWIFT_OUT/ChinwagFFI/include/"
  mv "$swift/ChinwagFFI.modulemap" "$1/$SWIFT_OUT/ChinwagFFI/include/module.modulemap"
  rm -rf "$swift"
}

case "${1:-}" in
  generate)
    generate_into .
    echo "regenerated $KOTLIN_OUT and $SWIFT_OUT"
    ;;
  check)
    fresh="$(mktemp -d)"
    trap 'rm -rf "$fresh"' EXIT
    generate_into "$fresh"
    if ! diff -ru "$KOTLIN_OUT" "$fresh/$KOTLIN_OUT" || ! diff -ru "$SWIFT_OUT" "$fresh/$SWIFT_OUT"; then
      echo "the uniffi bindings are out of date: run scripts/uniffi.sh generate and commit them" >&2
      exit 1
    fi
    echo "uniffi bindings match a fresh generation"
    ;;
  *) echo "usage: scripts/uniffi.sh generate|check" >&2; exit 64 ;;
esac
