#!/usr/bin/env bash
# Builds host_call.wasm from host_call.c and capsule_host.h. Needs Debian's clang, lld and wasi-libc:
#   apt-get install clang lld wasi-libc libclang-rt-dev-wasm32
# The built host_call.wasm is committed, so running the sample needs no C toolchain.
set -euo pipefail
cd "$(dirname "$0")"
# Keep binaryen's wasm-opt off the PATH: clang would run it after linking.
PATH=$(echo "$PATH" | tr ':' '\n' | while read -r d; do [ -x "$d/wasm-opt" ] || echo "$d"; done | paste -sd:)
clang --target=wasm32-wasi -O2 -Wall -Wl,--strip-all -o host_call.wasm host_call.c
echo "built $(pwd)/host_call.wasm ($(stat -c %s host_call.wasm) bytes)"
