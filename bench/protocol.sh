#!/usr/bin/env bash
# IS + FID on 2048 generated videos with the synthetic evaluator, timed by phase (metrics issue benchmark).
# Args: [preset=cpu-small] [n=2048] [model=tgan] [temporal=ode1]. Results: BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -pl metrics -am test-compile dependency:build-classpath -Dmdep.outputFile=target/protocol-cp.txt \
    -Dmdep.includeScope=test >/dev/null
CP="metrics/target/test-classes:metrics/target/classes:training/target/classes:solvers/target/classes"
CP="$CP:$(cat metrics/target/protocol-cp.txt)"
uptime
java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -cp "$CP" io.ndevid.metrics.bench.ProtocolBench "$@"
