#!/usr/bin/env bash
# Grid scaling: 4 real cpu-tiny trials on 2 trainer JVMs vs 1, one libtorch thread per process; step, checkpoint
# shipping and evaluation latency percentiles. Recorded in BENCHMARKS.md. Arguments: [iterations=200] [workDir].
# BENCH_OPTS: -Dbench.trainer-jvm=OPT,OPT (extra trainer JVM options, comma-separated), -Dbench.evaluators=N (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -pl actors -am test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-cp.txt \
    -Dmdep.includeScope=test
CP="actors/target/test-classes:actors/target/classes:$(cat actors/target/bench-cp.txt)"
exec java -Xmx1g -Dai.djl.pytorch.num_threads=1 ${BENCH_OPTS:-} -cp "$CP" io.ndevid.actors.bench.GridScalingBench "$@"
