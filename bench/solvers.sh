#!/usr/bin/env bash
# Latent-path benchmark of the solvers module (issue: foundation). Prints measured numbers; see BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -pl solvers -am test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-cp.txt \
    -Dmdep.includeScope=test >/dev/null
CP="solvers/target/test-classes:solvers/target/classes:$(cat solvers/target/bench-cp.txt)"
JAVA="java -Dai.djl.offline=true -cp $CP io.ndevid.solvers.bench.LatentPathBench"
$JAVA time
echo "peak memory, one process per mode:"
$JAVA memory backprop 256
$JAVA memory adjoint 256
