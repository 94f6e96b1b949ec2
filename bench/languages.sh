#!/usr/bin/env bash
# Python and JavaScript tasks: wall time of `capsule run hello.py` (first run on an empty cache, which fetches and
# compiles the interpreter, then with warm caches), and warm per-task latency of the Python and JavaScript hello
# samples through an open engine node (journal + runner process, one runner, one client).
# Usage: bench/languages.sh [tasks]. Results belong in docs/performance.md with the machine noted.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mvn -q -B install -DskipTests
tasks="${1:-200}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp samples/python/hello.py samples/javascript/hello.js "$work/"

wall() { # prints the wall seconds of one command
  local start end
  start=$(date +%s%N)
  "$@" > /dev/null 2>&1
  end=$(date +%s%N)
  printf '%d.%03d\n' $(( (end - start) / 1000000000 )) $(( (end - start) / 1000000 % 1000 ))
}

fresh="$work/cache"
echo "capsule run hello.py, empty cache (fetch + rewrite + compile): $(cd "$work" && CAPSULE_CACHE_DIR="$fresh" wall "$root/bin/capsule" run hello.py) s"
for i in 1 2 3 4 5 6; do
  (cd "$work" && CAPSULE_CACHE_DIR="$fresh" wall "$root/bin/capsule" run hello.py)
done | sort -n | awk '{ a[NR] = $1 } END { printf "capsule run hello.py, warm caches: median %.2f s (min %.2f, max %.2f, %d runs)\n", a[int((NR + 1) / 2)], a[1], a[NR], NR }'
for i in 1 2 3 4 5 6; do
  (cd "$work" && CAPSULE_CACHE_DIR="$fresh" wall "$root/bin/capsule" run hello.js)
done | sort -n | awk '{ a[NR] = $1 } END { printf "capsule run hello.js, warm caches: median %.2f s (min %.2f, max %.2f, %d runs)\n", a[int((NR + 1) / 2)], a[1], a[NR], NR }'

cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"
for sample in "$work/hello.py" "$work/hello.js"; do
  java -Dorg.jooq.no-logo=true -cp "$cp" run.capsule.bench.EngineThroughput "$sample" "$tasks" 1 1
done
