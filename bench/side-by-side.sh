#!/usr/bin/env bash
# The side-by-side harness (issue #15): raw sandbox rate with the runners' parallelism, the engine's drain on an H2 file
# and on the embedded PostgreSQL (fsync=on, synchronous_commit=on), submit rate, Capsule.run latency with one client.
# Usage: bench/side-by-side.sh [tasks] [runners] [latencyRuns] [h2|postgres|both]
# Compiles with the reactor (no install); results belong in docs/performance.md with the machine and its load.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mvn -q -B -o package -DskipTests -pl bench -am >/dev/null
cp="$root/bench/target/classes"
cp="$cp:$(cat "$root/bench/target/classpath.txt")"
cache="${CAPSULE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/capsule}"
uptime
java ${JAVA_OPTS:-} -Dorg.jooq.no-logo=true -Djava.library.path="$cache/native/0.19.0-linux-x86_64" -cp "$cp" \
  run.capsule.bench.SideBySide "$root/samples/hello/hello.wasm" "${1:-3000}" "${2:-2}" "${3:-500}" "${4:-both}"
