#!/usr/bin/env bash
# Runs the load harnesses and prints their figures. Usage: bench/run.sh [tasks] [runners] [clients]
# Builds the project first (skipping tests). Results belong in docs/performance.md with the machine noted.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mvn -q -B install -DskipTests
cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"
cache="${CAPSULE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/capsule}"
module="$root/samples/hello/hello.wasm"
tasks="${1:-500}"; runners="${2:-$(nproc)}"; clients="${3:-$runners}"
java -Dorg.jooq.no-logo=true -Djava.library.path="$cache/native/0.19.0-linux-x86_64" -cp "$cp" \
  run.capsule.bench.RawSandboxRate "$module" 2000
java -Dorg.jooq.no-logo=true -cp "$cp" run.capsule.bench.EngineThroughput "$module" "$tasks" "$runners" "$clients"
