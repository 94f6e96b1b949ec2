#!/usr/bin/env bash
# Builds answer.wasm from answer.wat with Debian's wabt (apt-get install wabt). The .wasm is committed.
set -euo pipefail
cd "$(dirname "$0")"
wat2wasm answer.wat -o answer.wasm
echo "built $(pwd)/answer.wasm ($(stat -c %s answer.wasm) bytes)"
