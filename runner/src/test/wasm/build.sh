#!/usr/bin/env bash
# Builds the equivalence guests: one C program at -O0 and -O2, with and without SIMD and bulk memory.
# Needs Debian's clang, lld and wasi-libc. The .wasm files are committed.
set -euo pipefail
cd "$(dirname "$0")"
# Keep binaryen's wasm-opt off the PATH: clang would run it after linking and it rejects SIMD/bulk-memory output.
PATH=$(echo "$PATH" | tr ':' '\n' | while read -r d; do [ -x "$d/wasm-opt" ] || echo "$d"; done | paste -sd:)
build() { clang --target=wasm32-wasi "$@" -Wl,--strip-all -o "$out" compute.c; }
out=compute-O0.wasm build -O0
out=compute-O2.wasm build -O2
out=compute-O2-simd.wasm build -O2 -msimd128
out=compute-O2-bulk.wasm build -O2 -mbulk-memory
out=compute-O2-simd-bulk.wasm build -O2 -msimd128 -mbulk-memory
ls -l compute-*.wasm
