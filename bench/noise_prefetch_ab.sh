#!/usr/bin/env bash
# The SDE's noise made ahead on a second JVM thread (NoisePrefetch) against drawn by each step, StepBench alone (no
# PyTorch side): per config, runs alternate off, on, off, on, … (one process each, one intra-op thread) so that
# machine load hits both alike; prints every RESULT line, then per config and setting the median over the runs of the
# step's wall median, the process's CPU per step (every thread) and the stepping thread's CPU per step.
#
# Usage: bench/noise_prefetch_ab.sh [runs] [steps] [warmup]      (defaults: 3 60 30)
#        CONFIGS="mocogan:sde tgan:sde" (default) PRESET=cpu-small (default) BATCH=N (default: the preset's)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
steps="${2:-60}"
warmup="${3:-30}"
CONFIGS="${CONFIGS:-mocogan:sde tgan:sde}"
PRESET="${PRESET:-cpu-small}"
PYTHON="${PYTHON:-/usr/bin/python3}"

mvn -q -B -Dstyle.color=never -pl training -am test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-cp.txt \
    -Dmdep.includeScope=test >/dev/null
CP="training/target/test-classes:training/target/classes:$(cat training/target/bench-cp.txt)"
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
extra=()
[[ -n "${BATCH:-}" ]] && extra+=(--batch "$BATCH")

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
echo "# $(date -u +%FT%TZ)  $(uptime | sed 's/.*load/load/')  $runs runs × (off, on), $steps steps after $warmup, $PRESET"
for ((r = 1; r <= runs; r++)); do
    for c in $CONFIGS; do
        for np in off on; do
            java -Xmx3g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
                -cp "$CP" io.ndevid.training.bench.StepBench --preset "$PRESET" ${extra[@]+"${extra[@]}"} \
                --noise-prefetch "$np" --threads 1 --steps "$steps" --warmup "$warmup" --machine "$c" 2>/dev/null |
                grep '^RESULT' | tee -a "$tmp"
        done
    done
    echo "# $(date -u +%T)  $(uptime | sed 's/.*load/load/')"
done
echo
echo "| model:G_t | noise made ahead | wall ms per step (median of run medians; runs) | process CPU ms per step | stepping thread's CPU ms per step |"
echo "|---|---|---|---|---|"
"$PYTHON" - "$tmp" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    d = dict(kv.split('=', 1) for kv in line.split()[1:])
    rows.setdefault((d['config'], d['noise_prefetch']), []).append(
        (float(d['median_ms']), float(d['cpu_ms']), float(d['thread_cpu_ms'])))
for (config, np), v in rows.items():
    med = [statistics.median(x[i] for x in v) for i in range(3)]
    runs = ' / '.join(f"{x[0]:.1f}" for x in v)
    print(f"| {config} | {np} | {med[0]:.1f} ({runs}) | {med[1]:.1f} | {med[2]:.1f} |")
EOF
