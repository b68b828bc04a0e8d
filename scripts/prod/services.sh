#!/usr/bin/env bash
# Throwaway PostgreSQL + Redis on loopback for the scale test and the benchmark.
#
#   scripts/prod/services.sh start DIR   install if missing, start both, write DIR/services.env
#   scripts/prod/services.sh stop DIR    stop both (data stays in DIR until you delete it;
#                                        data kept outside DIR, see below, is deleted)
#   scripts/prod/services.sh install     only install postgresql / redis-server (Debian, root)
#   scripts/prod/services.sh pg-stop DIR / pg-start DIR   stop / restart only PostgreSQL
#                                        (outage tests)
#
# Each run has its own data directory (initdb) and its own ports: PG_PORT and
# REDIS_PORT if set, otherwise free high ports. Both listen on 127.0.0.1 only,
# both require a password (random, written to DIR/services.env, mode 0600).
# PostgreSQL refuses to run as root, so as root it runs as the `postgres` user
# (Redis as `redis`). Redis keeps nothing on disk (--save '', no AOF): it only
# holds conversation locks (DB 1), which are worthless after a restart.
# When those users cannot reach DIR (a clone in a 0700 `mktemp -d`, a home
# directory), their files go to a private directory under /tmp instead
# (SERVICES_EXT in services.env), which `stop` deletes.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
here=$(cd "$(dirname "$0")/../.." && pwd)

die() { echo "services.sh: $*" >&2; exit 1; }

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -n "$d" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
  d=$(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/x)")
  [ -x "$d/pg_ctl" ] && echo "$d"
}

install() {
  local need=()
  [ -n "$(pg_bindir)" ] || need+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  [ ${#need[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing ${need[*]}; install them (apt-get install ${need[*]}) or run as root"
  echo "services.sh: installing ${need[*]} from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # policy-rc.d: never let the package start system-wide services.
  local policy=/usr/sbin/policy-rc.d created=0
  if [ ! -e $policy ]; then printf '#!/bin/sh\nexit 101\n' > $policy; chmod +x $policy; created=1; fi
  apt-get install -y -qq --no-install-recommends "${need[@]}" >&2 || { [ $created = 1 ] && rm -f $policy; die "apt-get install ${need[*]} failed"; }
  [ $created = 1 ] && rm -f $policy
  return 0
}

free_port() {
  local py="$here/.venv/bin/python"; [ -x "$py" ] || py=python3
  "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# as USER CMD...: run as that system user when we are root, else as ourselves.
as_user() {
  local user=$1; shift
  if [ "$(id -u)" = 0 ] && id "$user" >/dev/null 2>&1; then
    runuser -u "$user" -- "$@"
  else
    "$@"
  fi
}

# can_reach USER DIR: whether that system user (when we run as root) can enter DIR.
can_reach() {
  [ "$(id -u)" = 0 ] && id "$1" >/dev/null 2>&1 || return 0
  runuser -u "$1" -- test -x "$2" 2>/dev/null
}

owner_for() { if [ "$(id -u)" = 0 ] && id "$1" >/dev/null 2>&1; then echo "$1"; fi; }

start() {
  [ -n "$dir" ] || die "usage: services.sh start DIR"
  install
  local bin; bin=$(pg_bindir); [ -n "$bin" ] || die "PostgreSQL binaries not found"
  mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
  [ -e "$dir/services.env" ] && die "$dir already holds services (stop them first)"
  local pg_port=${PG_PORT:-$(free_port)} redis_port=${REDIS_PORT:-$(free_port)}
  local pg_pass redis_pass
  pg_pass=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)
  redis_pass=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)

  # Where the services keep their files: DIR, or a private directory they can reach.
  local home=$dir ext=""
  if ! can_reach postgres "$dir" || ! can_reach redis "$dir"; then
    ext=$(mktemp -d "${TMPDIR:-/tmp}/tms-services.XXXXXX"); chmod 755 "$ext"; home=$ext
  fi

  # PostgreSQL: own cluster, scram passwords on TCP, peer on the socket.
  mkdir -p "$home/pg" "$home/pgsock" "$home/redis"
  local pg_user; pg_user=$(owner_for postgres)
  [ -n "$pg_user" ] && chown "$pg_user" "$home/pg" "$home/pgsock"
  chmod 700 "$home/pg"
  as_user postgres "$bin/initdb" -D "$home/pg/data" -U postgres --auth-local=peer \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$home/initdb.log" 2>&1 \
    || { cat "$home/initdb.log" >&2; die "initdb failed"; }
  local pg_opts="-c listen_addresses=127.0.0.1 -c port=$pg_port -c unix_socket_directories=$home/pgsock -c max_connections=200 -c shared_buffers=64MB"
  as_user postgres "$bin/pg_ctl" -D "$home/pg/data" -l "$home/pg/postgres.log" -w -t 60 \
    -o "$pg_opts" start >/dev/null || { tail -20 "$home/pg/postgres.log" >&2; die "postgres did not start"; }
  as_user postgres "$bin/psql" -h "$home/pgsock" -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
    -c "CREATE ROLE tms LOGIN PASSWORD '$pg_pass'" -c "CREATE DATABASE tms OWNER tms" >/dev/null \
    || die "could not create the tms role and database"

  # Redis: loopback, password, nothing persisted.
  local redis_user; redis_user=$(owner_for redis)
  [ -n "$redis_user" ] && chown "$redis_user" "$home/redis"
  as_user redis redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
    --protected-mode yes --requirepass "$redis_pass" --dir "$home/redis" \
    --daemonize yes --pidfile "$home/redis/redis.pid" --logfile "$home/redis/redis.log" \
    || die "redis-server did not start"
  for _ in $(seq 1 50); do
    if redis-cli -p "$redis_port" --no-auth-warning -a "$redis_pass" ping 2>/dev/null | grep -q PONG; then break; fi
    sleep 0.1
  done

  umask 077
  cat > "$dir/services.env" <<ENV
PG_BINDIR=$bin
PG_DATA=$home/pg/data
PG_PORT=$pg_port
PG_SOCKET_DIR=$home/pgsock
PG_OPTS="$pg_opts"
REDIS_PORT=$redis_port
REDIS_PASSWORD=$redis_pass
TRACKER_DB_URL=postgresql://tms:$pg_pass@127.0.0.1:$pg_port/tms
REDIS_LOCK_URL=redis://:$redis_pass@127.0.0.1:$redis_port/1
SERVICES_HOME=$home
SERVICES_EXT=$ext
ENV
  echo "$dir/services.env"
}

stop() {
  [ -n "$dir" ] || die "usage: services.sh stop DIR"
  [ -f "$dir/services.env" ] || return 0
  # shellcheck disable=SC1091
  set -a; source "$dir/services.env"; set +a
  as_user postgres "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  redis-cli -p "$REDIS_PORT" --no-auth-warning -a "$REDIS_PASSWORD" shutdown nosave >/dev/null 2>&1 || true
  local home=${SERVICES_HOME:-$dir}
  if [ -f "$home/redis/redis.pid" ]; then
    local pid; pid=$(cat "$home/redis/redis.pid")
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill "$pid" 2>/dev/null || true
  fi
  mv "$dir/services.env" "$dir/services.env.stopped"
  # Files kept outside DIR: only ever a directory this script made with mktemp.
  case "${SERVICES_EXT:-}" in
    */tms-services.*) rm -rf "$SERVICES_EXT" ;;
  esac
}

load_env() {
  [ -f "$dir/services.env" ] || die "no running services in $dir"
  # shellcheck disable=SC1091
  set -a; source "$dir/services.env"; set +a
}

case "$cmd" in
  start) start ;;
  pg-stop) load_env; as_user postgres "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null ;;
  pg-start) load_env; as_user postgres "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/../postgres.log" -w -t 60 -o "$PG_OPTS" start >/dev/null ;;
  stop) stop ;;
  install) install ;;
  *) die "usage: services.sh start|stop|pg-stop|pg-start DIR | install" ;;
esac
