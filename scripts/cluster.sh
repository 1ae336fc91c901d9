#!/usr/bin/env bash
# A local nianbao cluster on loopback: Redis (the queue), SeaweedFS (the S3 archive) and two queue workers.
#
#   bash scripts/cluster.sh up      # start everything; the client environment goes to .cluster/env
#   source .cluster/env             # then: scrapy enqueue …, scrapy jobs --wait, scrapy verify, scrapy status
#   bash scripts/cluster.sh status  # what runs
#   bash scripts/cluster.sh down    # stop exactly what `up` started (the pids in .cluster/pids)
#
# Everything binds to 127.0.0.1 on free ports; SeaweedFS runs with telemetry off. Data stays in .cluster/
# (the queue's Redis appends to .cluster/redis/, the archive's objects to .cluster/weed/) until you delete it.
# A multi-machine deployment: docs/scaling.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# Where the cluster keeps its pids, environment, logs and data (NIANBAO_CLUSTER_DIR: tests use a tmp folder).
DIR=$(realpath -m "${NIANBAO_CLUSTER_DIR:-.cluster}")
PIDS=$DIR/pids

alive() { kill -0 "$1" 2>/dev/null; }

# The pid still runs the program we started (a pid is reused once its process is gone).
ours() {
  local pid=$1 what=$2
  alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$what"
}

status() {
  [ -f "$PIDS" ] || { echo "cluster: not up (no $PIDS)"; return 1; }
  local name pid what rc=0
  while read -r name pid what; do
    if ours "$pid" "$what"; then echo "$name: running (pid $pid)"; else echo "$name: not running"; rc=1; fi
  done <"$PIDS"
  return $rc
}

down() {
  [ -f "$PIDS" ] || { echo "cluster: nothing to stop (no $PIDS)"; return 0; }
  local name pid what
  # Workers first (they ack or return their tasks), then SeaweedFS and Redis.
  tac "$PIDS" | while read -r name pid what; do
    if ! ours "$pid" "$what"; then echo "$name: already stopped"; continue; fi
    case $name in
      worker*) kill -TERM -- "-$pid" 2>/dev/null || true ;;  # its process group: the pool and its crawls
      *) kill -TERM "$pid" ;;
    esac
    for _ in $(seq 100); do alive "$pid" || break; sleep 0.2; done
    if alive "$pid"; then
      echo "$name: did not stop in 20 s; killing it"
      case $name in worker*) kill -KILL -- "-$pid" 2>/dev/null || true ;; *) kill -KILL "$pid" ;; esac
    fi
    echo "$name: stopped (pid $pid)"
  done
  rm -f "$PIDS"
}

up() {
  if [ -f "$PIDS" ]; then
    if status >/dev/null; then echo "cluster: already up (bash scripts/cluster.sh down to stop it)"; return 1; fi
    echo "cluster: a previous cluster is partly down; stopping what is left of it"
    down
  fi
  bash scripts/setup.sh
  command -v redis-server >/dev/null || { echo "cluster: redis-server missing (scripts/setup.sh installs it)" >&2; exit 1; }
  mkdir -p "$DIR/redis" "$DIR/weed" "$DIR/logs"
  : >"$PIDS"
  # Free loopback ports: Redis, then every port `weed mini` opens (tests/s3server.py lists why all of them).
  read -r -a ports < <(.venv/bin/python -c '
import socket
socks = [socket.socket() for _ in range(11)]
for sock in socks:
    sock.bind(("127.0.0.1", 0))
print(*(sock.getsockname()[1] for sock in socks))')
  local redis_port=${ports[0]}
  # A fresh credential per cluster, for this cluster's SeaweedFS only (kept in .cluster/env, mode 600).
  local key secret
  key=nianbao-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(4))')
  secret=$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(20))')

  redis-server --port "$redis_port" --bind 127.0.0.1 --protected-mode yes --dir "$DIR/redis" \
    --appendonly yes --save "" >"$DIR/logs/redis.log" 2>&1 &
  echo "redis $! redis-server" >>"$PIDS"

  local flags=(s3.port s3.port.grpc master.port master.port.grpc volume.port volume.port.grpc filer.port
               filer.port.grpc admin.port admin.port.grpc)
  local weed_args=() i=1
  for flag in "${flags[@]}"; do weed_args+=("-$flag=${ports[$i]}"); i=$((i + 1)); done
  local s3_port=${ports[1]}
  # -master.telemetry=false: weed reports cluster statistics to an outside URL by default.
  (cd "$DIR/weed" && unset AWS_ENDPOINT_URL && AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret exec "$ROOT/.venv/bin/weed" mini \
     -dir="$DIR/weed" -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.telemetry=false -webdav=false -admin.ui=false \
     -s3.port.iceberg=0 -s3.port.lance=0 "${weed_args[@]}" >"$DIR/logs/weed.log" 2>&1) &
  echo "seaweedfs $! weed" >>"$PIDS"

  umask 077
  cat >"$DIR/env" <<EOF
# The environment of a client of the local cluster (bash scripts/cluster.sh up, $(date -u +%FT%TZ)).
export NIANBAO_BROKER_URL=redis://127.0.0.1:$redis_port/0
export NIANBAO_STORE_URI=s3://nianbao/archive
export AWS_ENDPOINT_URL=http://127.0.0.1:$s3_port
export AWS_ACCESS_KEY_ID=$key
export AWS_SECRET_ACCESS_KEY=$secret
export AWS_DEFAULT_REGION=us-east-1
EOF
  umask 022

  for _ in $(seq 150); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.2; done
  redis-cli -p "$redis_port" ping >/dev/null || { echo "cluster: Redis did not start; see $DIR/logs/redis.log" >&2; down; exit 1; }
  if ! (set -a; . "$DIR/env"; .venv/bin/python - <<'EOF'
import time
from crawler.store.s3 import make_client
client = make_client()
for _ in range(150):
    try:
        client.list_buckets()
        break
    except Exception:
        time.sleep(0.2)
else:
    raise SystemExit(1)
EOF
  ); then
    echo "cluster: SeaweedFS did not answer; see $DIR/logs/weed.log" >&2; down; exit 1
  fi

  for n in 1 2; do
    # setsid: each worker leads a process group of its own, which `down` stops whole.
    (set -a; . "$DIR/env"; NIANBAO_SPOOL=$DIR/spool-w$n exec setsid .venv/bin/scrapy worker \
       --name "w$n@$(hostname)" >"$DIR/logs/worker$n.log" 2>&1) &
    echo "worker$n $! scrapy worker" >>"$PIDS"
  done
  sleep 1
  status
  echo "cluster: up; client environment in $DIR/env (source it), logs in $DIR/logs/"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: bash scripts/cluster.sh up|down|status" >&2; exit 2 ;;
esac
