#!/usr/bin/env bash
# Training step time, DJL vs PyTorch (issue: training): TGAN and MoCoGAN × {original, ode1, sde} at cpu-small, the
# Java models (StepBench, libtorch 2.7.1 via DJL 0.36.0) and the same networks in bench/torch_steps.py (Debian's
# python3-torch), interleaved config by config — Java A, Python A, Java B, … — so that machine load hits both alike.
# One process per run, both sides on the same number of intra-op threads (libtorch's set_num_threads, and
# OMP/MKL/OpenBLAS_NUM_THREADS in the environment: Debian's torch calls OpenBLAS, whose own pthread pool would otherwise
# use a second core). The Python side gets the Java model's parameter counts and fails if its own differ.
#
# Usage: bench/training_vs_pytorch.sh [threads] [steps] [warmup]     (defaults: 1 30 30; the JVM needs the
#        warm-up: its JIT compiles for tens of iterations, and on a loaded box 5 warm-up steps left medians ~20 % higher)
#        PYTHON=/usr/bin/python3 CONFIGS="tgan:original mocogan:sde" bench/training_vs_pytorch.sh
# Results: BENCHMARKS.md, "training: step time, DJL vs PyTorch".
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-1}"
steps="${2:-30}"
warmup="${3:-30}"
PYTHON="${PYTHON:-/usr/bin/python3}"
CONFIGS="${CONFIGS:-tgan:original tgan:ode1 tgan:sde mocogan:original mocogan:ode1 mocogan:sde}"

mvn -q -B -Dstyle.color=never -pl training -am test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-cp.txt \
    -Dmdep.includeScope=test >/dev/null
"$PYTHON" -c 'import torch' || { echo "need PyTorch for $PYTHON (Debian: apt-get install python3-torch)" >&2; exit 1; }
CP="training/target/test-classes:training/target/classes:$(cat training/target/bench-cp.txt)"
export OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads"
JAVA=(java -Xmx3g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$threads"
      -Dai.djl.pytorch.num_interop_threads=1 -cp "$CP" io.ndevid.training.bench.StepBench)

field() { # field NAME LINE
    sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"
}

echo "# $(date -u +%FT%TZ)  $(uptime | sed 's/.*load/load/')"
echo "# java: $(java -version 2>&1 | head -1); python: $("$PYTHON" -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__)')"
echo "# threads $threads, warm-up $warmup, median of $steps steps, cpu-small, f = linear"
rows=()
for c in $CONFIGS; do
    j=$("${JAVA[@]}" --preset cpu-small --threads "$threads" --steps "$steps" --warmup "$warmup" --machine "$c" \
        2>/dev/null | grep '^RESULT')
    params=$(field params "$j")
    p=$("$PYTHON" bench/torch_steps.py --threads "$threads" --steps "$steps" --warmup "$warmup" \
        --expect "$(tr ':' '=' <<<"$params")" "$c" | grep '^RESULT')
    jm=$(field median_ms "$j"); pm=$(field median_ms "$p")
    row=$(awk -v c="$c" -v jm="$jm" -v pm="$pm" -v jlo="$(field min_ms "$j")" -v jhi="$(field max_ms "$j")" \
        -v plo="$(field min_ms "$p")" -v phi="$(field max_ms "$p")" -v jr="$(field rss_mb "$j")" \
        -v pr="$(field rss_mb "$p")" -v params="$params" 'BEGIN {
            split(c, a, ":");
            printf "| %s | %s | %.1f (%.1f–%.1f) | %.1f (%.1f–%.1f) | %.2f | %d MB | %d MB | %s |",
                a[1], a[2], jm, jlo, jhi, pm, plo, phi, jm / pm, jr, pr, params }')
    [[ "$(field threads "$j")" == "$threads" && "$(field threads "$p")" == "$threads" ]] || {
        echo "thread counts differ: DJL $(field threads "$j"), PyTorch $(field threads "$p"), wanted $threads" >&2; exit 1; }
    rows+=("$row")
    echo "$row"
done
echo
echo "| model | G_t | DJL step ms, median (min–max) | PyTorch step ms, median (min–max) | DJL/PyTorch | DJL peak RSS | PyTorch peak RSS | trainable params (equal) |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo "# $(uptime | sed 's/.*load/load/')"
