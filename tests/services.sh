#!/usr/bin/env bash
# Makes sure the real services the test suite talks to are running, and prints the
# environment to use (`eval "$(bash tests/services.sh)"`). Messages go to stderr.
#   Redis on 127.0.0.1:6379 (started, or installed with apt-get when root, if missing).
#   PostgreSQL on 127.0.0.1:5432 as user postgres (started if installed, installed when
#   root); SQLite only where no PostgreSQL can be had.
# `bash tests/services.sh --redis-answers` only tells (exit status) whether REDIS_URL answers.
set -u
say() { echo "services: $*" >&2; }

redis_ping() {  # host port
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2 && printf 'PING\r\n' >&3 && head -c 5 <&3" 2>/dev/null | grep -q PONG
}

if [ "${1:-}" = "--redis-answers" ]; then
  url=${REDIS_URL:-redis://127.0.0.1:6379/0}
  hostport=${url#*://}; hostport=${hostport#*@}; hostport=${hostport%%/*}
  host=${hostport%%:*}; port=${hostport##*:}; [ "$port" = "$host" ] && port=6379
  redis_ping "${host:-127.0.0.1}" "$port"
  exit
fi

as_root() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }
apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 \
  || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; }; }

# --- Redis ------------------------------------------------------------------
if ! redis_ping 127.0.0.1 6379; then
  if ! command -v redis-server >/dev/null && as_root; then say "installing redis-server"; apt_install redis-server; fi
  if command -v redis-server >/dev/null; then
    say "starting redis-server on 127.0.0.1:6379"
    mkdir -p /tmp/cultivate-redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir /tmp/cultivate-redis --logfile /tmp/cultivate-redis/redis.log >&2
    for _ in $(seq 50); do redis_ping 127.0.0.1 6379 && break; sleep 0.1; done
  fi
  redis_ping 127.0.0.1 6379 || { say "no Redis on 127.0.0.1:6379 and none could be started"; exit 1; }
fi
# A database of its own so tests never touch a developer's queues.
echo "export REDIS_URL=redis://127.0.0.1:6379/15"

# --- PostgreSQL -------------------------------------------------------------
if [ -n "${DATABASE_URL:-}" ]; then
  echo "export DATABASE_URL='$DATABASE_URL'"
  exit 0
fi
pg_up() { command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p 5432; }
pg_login() { PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; }
start_cluster() {
  command -v pg_ctlcluster >/dev/null || return 1
  local version; version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  [ -n "$version" ] || return 1
  say "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 2>/dev/null || true
  for _ in $(seq 50); do pg_up && return 0; sleep 0.2; done
  return 1
}

if ! pg_up; then
  start_cluster || { as_root && say "installing postgresql" && apt_install postgresql && start_cluster; } || true
fi
if pg_up && ! pg_login && as_root; then
  # A fresh Debian cluster asks for a password over TCP: give postgres the one we use.
  su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null 2>&1 || true
fi
if pg_up && pg_login; then
  echo "export DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/cultivate"
else
  say "no PostgreSQL could be had; the tests run on SQLite"
fi
