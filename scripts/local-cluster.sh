#!/usr/bin/env bash
# A three-node ndevid cluster on this machine, on loopback, in the background:
#   a  coordinator,worker  port P     API http://127.0.0.1:H/     (runs the coordinator singleton)
#   b  coordinator,worker  port P+1   API http://127.0.0.1:H+1/   (takes the coordinator over if a dies)
#   c  worker              port P+2
# Each worker node runs SLOTS trainer processes. All share DIR/experiments (journals, run folders, checkpoints, the
# API token), with cluster-config/loopback.conf (fast fail-over). Logs: DIR/logs/<node>.log (trainers:
# DIR/experiments/logs/<node>/trainer-K.log); pids: DIR/pids/<node>.pid.
#
#   scripts/local-cluster.sh start  [--dir DIR] [--slots N] [--port P] [--http-port H] [-- extra ndevid node args]
#   scripts/local-cluster.sh status [--dir DIR]
#   scripts/local-cluster.sh stop   [--dir DIR]      # SIGTERM (trainers checkpoint), SIGKILL after 90 s
#
# Defaults: DIR=./local-cluster, SLOTS=1, P=25520, H=8787. Needs a JDK 17 and Maven for the first build (./ndevid).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${NDEVID_LOCAL_CLUSTER:-$PWD/local-cluster}"
SLOTS=1
PORT=25520
HTTP=8787
EXTRA=()

die() { echo "local-cluster: $*" >&2; exit 1; }

[ $# -ge 1 ] || die "usage: $0 start|status|stop [--dir DIR] [--slots N] [--port P] [--http-port H] [-- node args]"
CMD="$1"; shift
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR="$2"; shift 2 ;;
    --slots) SLOTS="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --http-port) HTTP="$2"; shift 2 ;;
    --) shift; EXTRA=("$@"); break ;;
    *) die "unknown option '$1'" ;;
  esac
done
[[ "$SLOTS" =~ ^[1-9][0-9]*$ ]] || die "--slots must be a positive number, got '$SLOTS'"
[[ "$PORT" =~ ^[0-9]+$ && "$PORT" -ge 1 && "$PORT" -le 65533 ]] || die "--port must be in [1, 65533], got '$PORT'"
[[ "$HTTP" =~ ^[0-9]+$ && "$HTTP" -ge 1 && "$HTTP" -le 65534 ]] || die "--http-port must be in [1, 65534], got '$HTTP'"
DIR="$(mkdir -p "$DIR" && cd "$DIR" && pwd)"
NODES=(a b c)

alive() { [ -f "$DIR/pids/$1.pid" ] && kill -0 "$(cat "$DIR/pids/$1.pid")" 2>/dev/null; }

start_node() { # name roles port [http-port]
  local name="$1" roles="$2" port="$3" http="${4:-}"
  local args=(node --role "$roles" --node-id "$name" --host 127.0.0.1 --port "$port"
              --seed "127.0.0.1:$PORT" --seed "127.0.0.1:$((PORT + 1))" --dir "$DIR/experiments"
              --config "$ROOT/cluster-config/loopback.conf")
  [[ "$roles" == *worker* ]] && args+=(--slots "$SLOTS")
  [ -n "$http" ] && args+=(--http-port "$http")
  args+=("${EXTRA[@]}")
  echo "ndevid ${args[*]}" > "$DIR/logs/$name.log"
  # own session: stop can take the node's whole process group (its trainers) if it does not leave in time
  setsid "$ROOT/ndevid" "${args[@]}" >> "$DIR/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$DIR/pids/$name.pid"
}

await_up() { # name
  local name="$1" deadline=$((SECONDS + 180))
  until grep -q "ndevid node $name: roles" "$DIR/logs/$name.log" 2>/dev/null; do
    if ! alive "$name"; then
      tail -n 30 "$DIR/logs/$name.log" >&2
      die "node $name exited (log above: $DIR/logs/$name.log)"
    fi
    [ $SECONDS -lt $deadline ] || { tail -n 30 "$DIR/logs/$name.log" >&2; die "node $name not up within 180 s"; }
    sleep 1
  done
  echo "node $name up (pid $(cat "$DIR/pids/$name.pid"))"
}

stop_node() { # name
  local name="$1" pid
  alive "$name" || { rm -f "$DIR/pids/$name.pid"; return 0; }
  pid="$(cat "$DIR/pids/$name.pid")"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 90))
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "node $name did not stop within 90 s: SIGKILL to its process group" >&2
  fi
  kill -KILL -- "-$pid" 2>/dev/null || true  # the node's session: leftover trainers too
  rm -f "$DIR/pids/$name.pid"
  echo "node $name stopped"
}

case "$CMD" in
  start)
    mkdir -p "$DIR/logs" "$DIR/pids" "$DIR/experiments"
    for n in "${NODES[@]}"; do alive "$n" && die "node $n is already running (pid $(cat "$DIR/pids/$n.pid")); stop it first"; done
    # builds once if needed, in the foreground, so the three nodes do not race to build
    "$ROOT/ndevid" --version > /dev/null
    start_node a coordinator,worker "$PORT" "$HTTP"
    await_up a || { stop_node a; exit 1; }
    start_node b coordinator,worker "$((PORT + 1))" "$((HTTP + 1))"
    start_node c worker "$((PORT + 2))"
    if ! { await_up b && await_up c; }; then for n in c b a; do stop_node "$n"; done; exit 1; fi
    grep -h "ndevid API:" "$DIR/logs/a.log" "$DIR/logs/b.log" 2>/dev/null || true
    echo "data: $DIR/experiments   logs: $DIR/logs   stop: $0 stop --dir $DIR"
    ;;
  status)
    for n in "${NODES[@]}"; do
      if alive "$n"; then echo "$n running (pid $(cat "$DIR/pids/$n.pid"), log $DIR/logs/$n.log)"; else echo "$n not running"; fi
    done
    ;;
  stop)
    [ -d "$DIR/pids" ] || die "no cluster in $DIR (no pids folder)"
    for n in c b a; do stop_node "$n"; done  # workers first: the coordinator journals their trainers' stops
    ;;
  *) die "unknown command '$CMD' (start, status or stop)" ;;
esac
