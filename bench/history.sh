#!/usr/bin/env bash
# History at scale (issue 17): fills a journal with TASKS finished tasks and measures it before and after the V11
# indexes, then prunes 90% of it. Usage: bench/history.sh h2|postgres [TASKS] [WORKDIR]
# Builds with the reactor (no install); figures belong in docs/performance.md with the machine and load noted.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mvn -q -B -pl bench -am test-compile dependency:build-classpath -Dmdep.outputFile="$root/bench/target/history-classpath.txt" -Dmdep.includeScope=runtime
cp="$root/bench/target/classes:$(cat "$root/bench/target/history-classpath.txt")"
work="${3:-$(mktemp -d -t capsule-history-XXXX)}"
java -Xmx3g -Dorg.jooq.no-logo=true -cp "$cp" run.capsule.bench.HistoryAtScale "$1" "${2:-1000000}" "$work" "$root/docs/sql.md"
