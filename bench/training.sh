#!/usr/bin/env bash
# Training-step benchmark of the three GANs (issue: training). One JVM per config so that each peak RSS is its own.
# Usage: bench/training.sh [preset] [threads]     (defaults: cpu-small 1)
#        bench/training.sh learn DIR CONFIG…      (trains 400 iterations on synthetic videos, writes sample PNGs)
# Results: BENCHMARKS.md, "training: step time and memory per model"
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -pl training -am test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-cp.txt \
    -Dmdep.includeScope=test >/dev/null
CP="training/target/test-classes:training/target/classes:$(cat training/target/bench-cp.txt)"
JAVA="java -Xmx3g -Dai.djl.offline=true -cp $CP io.ndevid.training.bench.StepBench"
if [[ "${1:-}" == learn ]]; then
    dir="$2"; shift 2
    for c in "$@"; do $JAVA --learn "$dir" --preset "${PRESET:-cpu-small}" "$c"; done
    exit 0
fi
preset="${1:-cpu-small}"
threads="${2:-1}"
for model in tgan mocogan tganv2; do
    for kind in original ode1 sde; do
        $JAVA --preset "$preset" --threads "$threads" "$model:$kind" 2>/dev/null | grep -v '^\['
    done
done
