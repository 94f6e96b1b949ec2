#!/usr/bin/env bash
# Fuel-metering overhead and rewriter throughput. Usage: bench/fuel.sh [scale] [runs] [extra modules to rewrite...]
# Builds the project first (skipping tests). Figures belong in docs/performance.md with the machine noted.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mvn -q -B install -DskipTests
cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"
cache="${CAPSULE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/capsule}"
guest="$root/runner/src/test/wasm/compute-O2.wasm"
java -Djava.library.path="$cache/native/0.19.0-linux-x86_64" -cp "$cp" run.capsule.bench.FuelOverhead \
  "$guest" "${1:-4}" "${2:-15}" "$root/samples/hello/hello.wasm" "$guest" "${@:3}"
