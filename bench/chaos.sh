#!/usr/bin/env bash
# The chaos harness (docs/durability.md): three worker nodes on an embedded PostgreSQL (fsync and synchronous_commit
# on), 10,000 mixed tasks, node kills, pauses past the lease, runner kills and one database restart while they run.
# Usage: bench/chaos.sh [TASKS|--quick] [SEED] [WORK_DIR]. Exits 1 on any violated invariant. Builds with `mvn package`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mvn -q -B package -DskipTests -pl bench -am
cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"
exec java -Dorg.jooq.no-logo=true -Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener -cp "$cp" run.capsule.bench.ChaosCluster "${1:-10000}" "${2:-$(date +%s)}" ${3:+"$3"}
