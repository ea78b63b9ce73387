#!/usr/bin/env bash
# Pins every trainer JVM on this host to one CPU (slot k -> CPU k mod the CPU count), all its threads, as it appears;
# runs until stopped. For the grid-scaling experiment in BENCHMARKS.md:
#   bench/pin_trainers.sh & bench/grid_scaling.sh 2000 /tmp/gs-pin; kill %1
set -euo pipefail
cpus=$(nproc)
declare -A pinned
while true; do
  for p in $(pgrep -f -- "--role trainer" || true); do
    [ -n "${pinned[$p]:-}" ] && continue
    slot=$(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -o -- "--slot [0-9]*" | awk '{print $2}' || true)
    [ -z "$slot" ] && continue
    sleep 3 # let the JVM start its threads: -a pins the threads that exist; new ones inherit from their creator
    if taskset -a -cp $((slot % cpus)) "$p" >/dev/null 2>&1; then
      pinned[$p]=1
      echo "pinned trainer pid $p (slot $slot) to CPU $((slot % cpus))"
    fi
  done
  sleep 1
done
