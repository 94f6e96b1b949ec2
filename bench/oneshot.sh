#!/usr/bin/env bash
# The one-shot CLI (issue 15, goal 4): whole-process wall time of `bin/capsule run samples/hello/hello.wasm` in a fresh
# directory with warm caches, side by side in one run:
#   own node    no worker runs: the CLI opens the journal and starts its own runner (the path before the hand-off);
#   hand-off    a `capsule worker --runners 1` runs on the same journal: the CLI hands its command line over the socket;
#   opted out   the worker still runs, CAPSULE_NO_HANDOFF=1: the CLI's own node, sharing the H2 file with the worker.
# Then one run of each path with -Xlog:class+load, printing when the first class of each part loaded (the breakdown)
# and how many classes the process loaded.
# Usage: bench/oneshot.sh [runs]  (default 5). It builds the jar with `mvn package` (no install) unless
# CAPSULE_BENCH_NO_BUILD=1. Results belong in docs/performance.md with the machine and the load noted.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-5}"
cd "$root"
if [ "${CAPSULE_BENCH_NO_BUILD:-}" != 1 ]; then
  mvn -q -B -o package -DskipTests
fi
capsule="$root/bin/capsule"
hello="$root/samples/hello/hello.wasm"
work="$(mktemp -d)"
worker_pid=""
cleanup() {
  if [ -n "$worker_pid" ]; then kill "$worker_pid" 2>/dev/null || true; wait "$worker_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

wall() { # the wall seconds of one command, its output discarded
  local start end
  start=$(date +%s%N)
  "$@" > /dev/null 2>&1
  end=$(date +%s%N)
  printf '%d.%03d\n' $(( (end - start) / 1000000000 )) $(( (end - start) / 1000000 % 1000 ))
}
series() { # label, then the command: runs timed, summarised
  local label="$1"; shift
  local times=()
  for _ in $(seq "$runs"); do times+=("$(wall "$@")"); done
  printf '%s\n' "${times[@]}" | sort -n | awk -v label="$label" -v all="${times[*]}" '{ a[NR] = $1 }
    END { printf "%-12s median %.2f s  min %.2f  max %.2f  (%d runs: %s)\n", label, a[int((NR + 1) / 2)], a[1], a[NR], NR, all }'
}
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); $(java -version 2>&1 | head -1)"
echo "load average before: $(load)"
wall "$capsule" run "$hello" > /dev/null   # writes the CLI's class-data archive and the module cache
wall "$capsule" run "$hello" > /dev/null
series "own node" "$capsule" run "$hello"
echo "load average: $(load)"

"$capsule" worker --runners 1 > "$work/worker.log" 2>&1 &
worker_pid=$!
for _ in $(seq 300); do
  ls "$work"/.capsule/node-*.sock > /dev/null 2>&1 && break
  sleep 0.2
done
ls "$work"/.capsule/node-*.sock > /dev/null || { echo "the worker advertised no socket:"; cat "$work/worker.log"; exit 1; }
wall "$capsule" run "$hello" > /dev/null   # the worker starts its runner on its first task
wall "$capsule" run "$hello" > /dev/null
series "hand-off" "$capsule" run "$hello"
CAPSULE_NO_HANDOFF=1 series "opted out" "$capsule" run "$hello"
echo "load average after: $(load)"

# The breakdown: java as bin/capsule runs it (same flags, same class-data archive), logging each class load with uptime.
jar="$root/service/target/capsule.jar"
java_path="$(readlink -f "$(command -v java)")"
key="$(printf '%s|%s' "$(stat -c '%s-%Y' "$jar")" "$java_path" | cksum | cut -d' ' -f1)"
archive="${CAPSULE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/capsule}/cds/cli-$key.jsa"
share=(-Xshare:auto)
[ -f "$archive" ] && share=(-XX:SharedArchiveFile="$archive")
marks=('run.capsule.engine.cli.CapsuleCli ' 'picocli.CommandLine ' 'run.capsule.engine.cli.RunCommand ' 'run.capsule.engine.Capsule '
  'run.capsule.engine.pool.RunnerPool ' 'org.h2.Driver ' 'org.flywaydb.' 'org.jooq.' 'run.capsule.store.NodeRegistry '
  'run.capsule.engine.programs.PreparedTask ' 'run.capsule.protocol.RunAttempt ' 'run.capsule.protocol.AttemptResult '
  'org.quartz.' 'run.capsule.engine.cli.HandOffClient ')
breakdown() { # label, env assignment: one run, the uptime of each part's first class
  local label="$1" log="$work/classes-$1.log" start end
  start=$(date +%s%N)
  env "$2" java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "${share[@]}" -Xlog:class+load:file="$log":uptime -jar "$jar" run "$hello" > /dev/null 2>&1
  end=$(date +%s%N)
  echo "$label: $(( (end - start) / 1000000 )) ms wall, $(wc -l < "$log") classes loaded; first class of:"
  for m in "${marks[@]}"; do
    local at; at="$(grep -m1 -F " $m" "$log" | sed 's/^\[\([0-9.]*\)s\].*/\1/' || true)"
    [ -n "$at" ] && printf '  %-45s %s s\n' "$m" "$at"
  done
  printf '  %-45s %s s\n' "(last class loaded)" "$(tail -1 "$log" | sed 's/^\[\([0-9.]*\)s\].*/\1/')"
}
breakdown hand-off CAPSULE_NO_HANDOFF=0
kill "$worker_pid"; wait "$worker_pid" 2>/dev/null || true; worker_pid=""
breakdown "own node" CAPSULE_NO_HANDOFF=0
echo "load average at the end: $(load)"
