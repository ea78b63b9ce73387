#!/usr/bin/env bash
# Every 5 s, per ndevid JVM on this host: CPU-seconds so far (utime + stime from /proc/<pid>/task/*/stat), in all and
# per thread name (digits stripped, names with >= 0.2 s), one line per JVM; runs until stopped. For BENCHMARKS.md:
#   bench/thread_cpu.sh > /tmp/threads.log & bench/grid_scaling.sh 2000 /tmp/gs; kill %1
# then the largest line per pid:  awk '{t=$4; sub("total=","",t); if (t+0 >= b[$2]+0) {b[$2]=t; l[$2]=$0}}
#                                      END {for (k in l) print l[k]}' /tmp/threads.log
set -uo pipefail
hz=$(getconf CLK_TCK)
while true; do
  for p in $(pgrep java); do
    role=$(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -o -- "--role [a-z,]*\( --slot [0-9]*\)\?" | tr ' ' '_')
    [ -z "$role" ] && role=main
    line=$(for t in /proc/"$p"/task/*; do
      n=$(sed 's/[0-9]*$//' "$t/comm" 2>/dev/null | tr ' ' '_')
      s=$(cut -d')' -f2 "$t/stat" 2>/dev/null | awk '{print $12 + $13}')
      [ -n "$s" ] && echo "$n $s"
    done | awk -v hz="$hz" '{a[$1] += $2; tot += $2}
      END {printf "total=%.1f ", tot / hz; for (k in a) if (a[k] >= 0.2 * hz) printf "%s=%.1f ", k, a[k] / hz}')
    echo "$(date +%T) $p $role $line"
  done
  sleep 5
done
