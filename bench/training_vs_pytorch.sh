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
#        NOISE_PREFETCH=off bench/training_vs_pytorch.sh   (default on, as a trial runs: an SDE config's next-iteration
#        Brownian increments made on a second JVM thread; off: each step draws its own. The rows' process CPU per step
#        counts every thread of each side, so a wall-time gain bought with a second core shows there.)
#
# Optional second part (issue 17: "plus TGANv2 and the gpu-paper shapes for a few steps on CPU"), after the first
# table, when PRESET is set:
#        PRESET=gpu-paper BATCH=4 STEPS=3 WARMUP=2 bench/training_vs_pytorch.sh
#   - a second table: PAPER_CONFIGS (default the six TGAN/MoCoGAN configs) at PRESET's networks and settings with
#     its batch replaced by BATCH (default 2; gpu-paper's 32 takes ~30 s and ~8 GiB a step on a 2-core CPU), median
#     of STEPS (3) after WARMUP (2), same threads; both sides also profile one more iteration (StepBench / torch_steps
#     --ops) for the top-level ops per step and the time outside ops (bench/op_profile.py);
#   - TGANv2, V2_CONFIGS (default tganv2:original tganv2:ode1): side by side at cpu-small (the first table's steps
#     and warm-up; torch_steps.py has the scaled TGANv2 only), then DJL only at PRESET (no PyTorch twin of the
#     authors' TGANv2 here) with V2_BATCH (2), V2_STEPS (1) and V2_WARMUP (1): a TGANv2 step at 192 px and batch 2
#     takes ~45 s and ~9.5 GiB here. V2_CONFIGS= skips both.
#   CONFIGS= (empty) skips the first table.
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-1}"
steps="${2:-30}"
warmup="${3:-30}"
PYTHON="${PYTHON:-/usr/bin/python3}"
CONFIGS="${CONFIGS-tgan:original tgan:ode1 tgan:sde mocogan:original mocogan:ode1 mocogan:sde}"
NOISE_PREFETCH="${NOISE_PREFETCH:-on}"

mvn -q -B -Dstyle.color=never -pl training -am test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-cp.txt \
    -Dmdep.includeScope=test >/dev/null
"$PYTHON" -c 'import torch' || { echo "need PyTorch for $PYTHON (Debian: apt-get install python3-torch)" >&2; exit 1; }
CP="training/target/test-classes:training/target/classes:$(cat training/target/bench-cp.txt)"
export OMP_NUM_THREADS="$threads" MKL_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads"
# The DJL side runs as a trainer process does (cluster-config/base.conf: trainer-jvm-options' -Xmn32m and
# trainer-environment's MALLOC_ARENA_MAX=1; BENCHMARKS.md, issue 17's latest side by side); TRAINER_ENV= drops them.
TRAINER_ENV="${TRAINER_ENV-MALLOC_ARENA_MAX=1 -Xmn32m}"
read -r -a trainer_env <<<"$TRAINER_ENV"
env_vars=(); jvm_extra=()
for x in ${trainer_env[@]+"${trainer_env[@]}"}; do if [[ $x == -* ]]; then jvm_extra+=("$x"); else env_vars+=("$x"); fi; done
JAVA=(env ${env_vars[@]+"${env_vars[@]}"} java -Xmx3g ${jvm_extra[@]+"${jvm_extra[@]}"} -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$threads"
      -Dai.djl.pytorch.num_interop_threads=1 -cp "$CP" io.ndevid.training.bench.StepBench
      --noise-prefetch "$NOISE_PREFETCH")

field() { # field NAME LINE
    sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ops() { # ops TRACE: "top-level op calls per step, ms per step outside ops" of a one-step trace
    "$PYTHON" bench/op_profile.py --steps 1 --top 0 "$1" |
        sed -n 's/.*outside *\([0-9.]*\) ms\/step; top-level op calls \([0-9]*\)\/step.*/\2 \1/p'
}

# side_by_side PRESET BATCH STEPS WARMUP WITH_OPS CONFIG…: one row per config, DJL then PyTorch (batch 0: the preset's)
side_by_side() {
    local preset=$1 batch=$2 steps=$3 warmup=$4 with_ops=$5 c j p params jops pops
    shift 5
    for c in "$@"; do
        local jx=() px=()
        if [[ $batch != 0 ]]; then jx+=(--batch "$batch"); px+=(--batch "$batch"); fi
        if [[ $with_ops == 1 ]]; then jx+=(--ops "$tmp/djl.json"); px+=(--ops "$tmp/torch.json"); fi
        j=$("${JAVA[@]}" --preset "$preset" ${jx[@]+"${jx[@]}"} --threads "$threads" --steps "$steps" \
            --warmup "$warmup" --machine "$c" 2>/dev/null | grep '^RESULT')
        params=$(field params "$j")
        p=$("$PYTHON" bench/torch_steps.py --preset "$preset" ${px[@]+"${px[@]}"} --threads "$threads" \
            --steps "$steps" --warmup "$warmup" --expect "$(tr ':' '=' <<<"$params")" "$c" | grep '^RESULT')
        [[ "$(field threads "$j")" == "$threads" && "$(field threads "$p")" == "$threads" ]] || {
            echo "thread counts differ: DJL $(field threads "$j"), PyTorch $(field threads "$p"), wanted $threads" >&2
            exit 1; }
        jops=""; pops=""
        if [[ $with_ops == 1 ]]; then jops=$(ops "$tmp/djl.json"); pops=$(ops "$tmp/torch.json"); fi
        awk -v c="$c" -v jm="$(field median_ms "$j")" -v pm="$(field median_ms "$p")" \
            -v jlo="$(field min_ms "$j")" -v jhi="$(field max_ms "$j")" -v plo="$(field min_ms "$p")" \
            -v phi="$(field max_ms "$p")" -v jr="$(field rss_mb "$j")" -v pr="$(field rss_mb "$p")" \
            -v jc="$(field cpu_ms "$j")" -v pc="$(field cpu_ms "$p")" \
            -v params="$params" -v jops="$jops" -v pops="$pops" 'BEGIN {
                split(c, a, ":");
                printf "| %s | %s | %.1f (%.1f–%.1f) | %.1f (%.1f–%.1f) | %.2f | %d MB | %d MB | %.1f / %.1f |",
                    a[1], a[2], jm, jlo, jhi, pm, plo, phi, jm / pm, jr, pr, jc, pc;
                if (jops != "") {
                    split(jops, jo, " "); split(pops, po, " ");
                    printf " %d / %d | %.1f / %.1f |", jo[1], po[1], jo[2], po[2] }
                printf " %s |\n", params }'
    done
}

# djl_only PRESET BATCH STEPS WARMUP CONFIG…: StepBench alone, with the ops of one more iteration
djl_only() {
    local preset=$1 batch=$2 steps=$3 warmup=$4 c j jx
    shift 4
    for c in "$@"; do
        jx=(); [[ $batch != 0 ]] && jx+=(--batch "$batch")
        j=$("${JAVA[@]}" --preset "$preset" ${jx[@]+"${jx[@]}"} --threads "$threads" --steps "$steps" \
            --warmup "$warmup" --machine --ops "$tmp/djl.json" "$c" 2>/dev/null | grep '^RESULT')
        [[ "$(field threads "$j")" == "$threads" ]] || { echo "DJL ran $(field threads "$j") threads" >&2; exit 1; }
        awk -v c="$c" -v pre="$preset" -v b="$(field batch "$j")" -v st="$steps" -v jm="$(field median_ms "$j")" \
            -v jlo="$(field min_ms "$j")" -v jhi="$(field max_ms "$j")" -v jr="$(field rss_mb "$j")" \
            -v jops="$(ops "$tmp/djl.json")" -v params="$(field params "$j")" 'BEGIN {
                split(c, a, ":"); split(jops, jo, " ");
                printf "| %s | %s | %s, batch %d | %.1f (%.1f–%.1f), %d steps | %d MB | %d | %.1f | %s |\n",
                    a[1], a[2], pre, b, jm, jlo, jhi, st, jr, jo[1], jo[2], params }'
    done
}

echo "# $(date -u +%FT%TZ)  $(uptime | sed 's/.*load/load/')"
echo "# java: $(java -version 2>&1 | head -1); python: $("$PYTHON" -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__)')"
if [[ -n "$CONFIGS" ]]; then
    echo "# threads $threads, warm-up $warmup, median of $steps steps, cpu-small, f = linear, DJL noise prefetch $NOISE_PREFETCH, DJL trainer settings: ${TRAINER_ENV:-none}"
    # shellcheck disable=SC2086
    side_by_side cpu-small 0 "$steps" "$warmup" 0 $CONFIGS | tee "$tmp/rows"
    echo
    echo "| model | G_t | DJL step ms, median (min–max) | PyTorch step ms, median (min–max) | DJL/PyTorch | DJL peak RSS | PyTorch peak RSS | process CPU ms per step, DJL / PyTorch | trainable params (equal) |"
    echo "|---|---|---|---|---|---|---|---|---|"
    cat "$tmp/rows"
    echo "# $(uptime | sed 's/.*load/load/')"
fi
[[ -n "${PRESET:-}" ]] || exit 0

BATCH="${BATCH:-2}"; STEPS="${STEPS:-3}"; WARMUP="${WARMUP:-2}"
PAPER_CONFIGS="${PAPER_CONFIGS-tgan:original tgan:ode1 tgan:sde mocogan:original mocogan:ode1 mocogan:sde}"
V2_CONFIGS="${V2_CONFIGS-tganv2:original tganv2:ode1}"
V2_BATCH="${V2_BATCH:-2}"; V2_STEPS="${V2_STEPS:-1}"; V2_WARMUP="${V2_WARMUP:-1}"
if [[ -n "$PAPER_CONFIGS" ]]; then
    echo
    echo "# $(date -u +%FT%TZ)  threads $threads, warm-up $WARMUP, median of $STEPS steps, $PRESET at batch $BATCH, f = linear; ops: one more iteration (number $((WARMUP + STEPS))), profiled"
    # shellcheck disable=SC2086
    side_by_side "$PRESET" "$BATCH" "$STEPS" "$WARMUP" 1 $PAPER_CONFIGS | tee "$tmp/rows"
    echo
    echo "| model | G_t | DJL step ms, median (min–max) | PyTorch step ms, median (min–max) | DJL/PyTorch | DJL peak RSS | PyTorch peak RSS | process CPU ms per step, DJL / PyTorch | top-level ops per step, DJL / PyTorch | ms per step outside ops, DJL / PyTorch | trainable params (equal) |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    cat "$tmp/rows"
    echo "# $(uptime | sed 's/.*load/load/')"
fi
if [[ -n "$V2_CONFIGS" ]]; then
    echo
    echo "# $(date -u +%FT%TZ)  TGANv2 at cpu-small, side by side: threads $threads, warm-up $warmup, median of $steps steps; ops: one more iteration, profiled"
    # shellcheck disable=SC2086
    side_by_side cpu-small 0 "$steps" "$warmup" 1 $V2_CONFIGS | tee "$tmp/rows"
    echo
    echo "| model | G_t | DJL step ms, median (min–max) | PyTorch step ms, median (min–max) | DJL/PyTorch | DJL peak RSS | PyTorch peak RSS | process CPU ms per step, DJL / PyTorch | top-level ops per step, DJL / PyTorch | ms per step outside ops, DJL / PyTorch | trainable params (equal) |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    cat "$tmp/rows"
    echo
    echo "# $(date -u +%FT%TZ)  TGANv2 at $PRESET, DJL only: batch $V2_BATCH, warm-up $V2_WARMUP, $V2_STEPS steps; ops: one more iteration, profiled"
    # shellcheck disable=SC2086
    djl_only "$PRESET" "$V2_BATCH" "$V2_STEPS" "$V2_WARMUP" $V2_CONFIGS | tee "$tmp/rows"
    echo
    echo "| model | G_t | preset, batch | DJL step ms, median (min–max) | DJL peak RSS | top-level ops per step | ms per step outside ops | trainable params |"
    echo "|---|---|---|---|---|---|---|---|"
    cat "$tmp/rows"
    echo "# $(uptime | sed 's/.*load/load/')"
fi
