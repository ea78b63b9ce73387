#!/usr/bin/env bash
# GPU smoke test (issue 15): on a machine with a GPU, in ≤ 10 minutes and offline, checks that ndevid really trains
# there. One summary line per check; the details go to $OUT (default gpu-smoke-<time>/).
#   1. engine   `ndevid engine` reports a CUDA libtorch and the GPUs it sees
#   2. plan     `ndevid plan --preset gpu-paper --steps 6` on one cell per base model (SMOKE_PLAN_ONLY=all: every
#               cell of the grid, ~5 min more)
#   3. trial    one gpu-paper TGAN-ODE1 trial, 300 iterations, its final evaluation (IS/FID)
#   4. memory   the peak GPU memory nvidia-smi saw during 2-3
# Without a GPU (no nvidia-smi, or it lists none) it prints "skipped: no GPU" and exits 0.
# Usage: bench/gpu-smoke.sh [OUT_DIR]
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
    echo "skipped: no GPU"
    exit 0
fi

OUT="${1:-gpu-smoke-$(date -u +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
export NDEVID_EVALUATOR_CACHE="${NDEVID_EVALUATOR_CACHE:-$OUT/evaluators}"
failed=0
line() { echo "$1"; echo "$1" >> "$OUT/summary.txt"; }

# Build offline if the jar is missing or stale (./ndevid would build with network access).
if ! ls actors/target/ndevid-actors-*.jar >/dev/null 2>&1 || \
   [ -n "$(find . -path ./.git -prune -o -path '*/target' -prune -o -name '*.java' -newer "$(ls actors/target/ndevid-actors-*.jar | head -n1)" -print -quit)" ]; then
    mvn -o -q -B -DskipTests package > "$OUT/build.log" 2>&1 || { line "build: FAIL (see $OUT/build.log)"; exit 1; }
fi

# Peak GPU memory while the checks run.
( peak=0; while sleep 1; do
      m=$(nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits 2>/dev/null | sort -n | tail -n1)
      [ -n "$m" ] && [ "$m" -gt "$peak" ] && peak=$m && echo "$peak" > "$OUT/peak-mib.txt"
  done ) &
watcher=$!
trap 'kill $watcher 2>/dev/null' EXIT

t=$(date +%s)
if ./ndevid engine > "$OUT/engine.txt" 2>&1 && grep -q '^CUDA: yes' "$OUT/engine.txt"; then
    line "engine: ok — $(head -n1 "$OUT/engine.txt"); $(grep '^GPUs the engine sees' "$OUT/engine.txt") ($(( $(date +%s) - t )) s)"
else
    line "engine: FAIL — $(grep -m1 -e '^CUDA' -e 'ndevid engine:' "$OUT/engine.txt") (see $OUT/engine.txt)"
    exit 1 # nothing else can run on the GPU
fi

t=$(date +%s)
only="${SMOKE_PLAN_ONLY:-tgan-ode1-linear,mocogan-ode1-linear,tganv2-ode1-linear}"
args=(--preset gpu-paper --steps 6 --json "$OUT/plan.json")
[ "$only" != all ] && args+=(--only "$only")
if timeout 420 ./ndevid plan "${args[@]}" > "$OUT/plan.txt" 2>&1 && grep -q 'measured on gpu:0' "$OUT/plan.txt"; then
    line "plan: ok — $(grep -c '^| [a-z]' "$OUT/plan.txt") cells; $(grep -o 'the grid on .*' "$OUT/plan.txt" | head -n1) ($(( $(date +%s) - t )) s)"
else
    line "plan: FAIL — $(tail -n2 "$OUT/plan.txt" | tr '\n' ' ') (see $OUT/plan.txt)"
    failed=1
fi

t=$(date +%s)
if timeout 420 ./ndevid train --preset gpu-paper --model tgan --temporal ode1 --iterations 300 --out "$OUT/trial" \
        > "$OUT/trial.txt" 2>&1 && grep -q '^final' "$OUT/trial.txt"; then
    line "trial: ok — $(grep -m1 ' after 300 iterations' "$OUT/trial.txt" | cut -c1-120); $(grep -m1 '^final' "$OUT/trial.txt" | grep -o 'IS .*') ($(( $(date +%s) - t )) s)"
else
    line "trial: FAIL — $(tail -n2 "$OUT/trial.txt" | tr '\n' ' ') (see $OUT/trial.txt)"
    failed=1
fi

sleep 2
line "memory: peak GPU memory used $(cat "$OUT/peak-mib.txt" 2>/dev/null || echo '?') MiB (nvidia-smi, all processes)"
exit $failed
