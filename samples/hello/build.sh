#!/usr/bin/env bash
# Builds hello.wasm from hello.c. Needs Debian's clang, lld and wasi-libc:
#   apt-get install clang lld wasi-libc libclang-rt-dev-wasm32
# The built hello.wasm is committed, so running the sample needs no C toolchain.
set -euo pipefail
cd "$(dirname "$0")"
clang --target=wasm32-wasi -O2 -Wl,--strip-all -o hello.wasm hello.c
echo "built $(pwd)/hello.wasm ($(stat -c %s hello.wasm) bytes)"
