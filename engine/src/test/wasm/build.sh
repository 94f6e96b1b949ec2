#!/usr/bin/env bash
# Builds the test guests. Needs Debian's wabt, clang, lld and wasi-libc. The .wasm files are committed.
set -euo pipefail
cd "$(dirname "$0")"
for wat in *.wat; do
  case "$wat" in
    bad_body.wat) wat2wasm --no-check "$wat" -o "${wat%.wat}.wasm" ;;
    *) wat2wasm "$wat" -o "${wat%.wat}.wasm" ;;
  esac
done
# Keep binaryen's wasm-opt off the PATH: clang would run it after linking.
PATH=$(echo "$PATH" | tr ':' '\n' | while read -r d; do [ -x "$d/wasm-opt" ] || echo "$d"; done | paste -sd:)
clang --target=wasm32-wasi -O2 -Wl,--strip-all -o probe.wasm probe.c
ls -l *.wasm
