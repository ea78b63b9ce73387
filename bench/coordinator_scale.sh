#!/usr/bin/env bash
# Scale by simulation: the real coordinator, journal and HTTP API with simulated trainer slots (64 and 512 slots,
# 10 000 trials; assignment latency, journal size and replay, HTTP status and console latency, heap), then a
# 100 000-event journal written through the real writer and replayed. Recorded in BENCHMARKS.md.
# Arguments: [slots=64,512] [trials=10000] [trials-per-second=80] [workDir]. Takes about 2 x trials / rate seconds
# plus the big journal. BENCH_OPTS: -Dbench.replay-events=N (default 100000; 0 skips it), JVM options.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -pl actors -am test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-cp.txt \
    -Dmdep.includeScope=test
CP="actors/target/test-classes:actors/target/classes:$(cat actors/target/bench-cp.txt)"
exec java -Xmx2g ${BENCH_OPTS:-} -cp "$CP" io.ndevid.actors.bench.CoordinatorScaleBench "$@"
