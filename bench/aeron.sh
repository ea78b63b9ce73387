#!/usr/bin/env bash
# Tensor transfer over Aeron (IPC, UDP loopback) vs memcpy of the same bytes, with latency percentiles.
# Prints measured numbers; recorded in BENCHMARKS.md. Arguments: [sizeMiB=24] [iterations=30] [warmup=10].
set -euo pipefail
cd "$(dirname "$0")/.."
# mvn -q prints only errors (on stdout): keep them visible.
mvn -q -pl actors -am test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-cp.txt \
    -Dmdep.includeScope=test
CP="actors/target/test-classes:actors/target/classes:$(cat actors/target/bench-cp.txt)"
exec java -Xmx2g -cp "$CP" io.ndevid.actors.transport.bench.AeronBench "$@"
