#!/usr/bin/env bash
# Builds the runner's built-in guests into src/main/resources (committed). Needs Debian's wabt.
set -euo pipefail
cd "$(dirname "$0")"
wat2wasm symlink_canary.wat -o ../resources/run/capsule/runner/sandbox/symlink_canary.wasm
ls -l ../resources/run/capsule/runner/*.wasm
