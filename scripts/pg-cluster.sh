#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the store's tests, on a loopback port, in a directory of its own.
#
#   scripts/pg-cluster.sh start DIR   initialise DIR (first time) and start the server; prints
#                                     TEST_DATABASE_URL=… and TEST_PGDATA=… lines (eval-able)
#   scripts/pg-cluster.sh stop DIR    stop it (fast shutdown); DIR is kept, `start` starts it again
#                                     on the same port
#   scripts/pg-cluster.sh probe       exit 0 when the server binaries are here, 3 when not
#
# Needs Debian's `postgresql` package (or PG_BIN pointing at initdb/pg_ctl). PostgreSQL refuses to
# run as root, so as root the server runs as the `postgres` user (created when missing). Trust
# authentication on 127.0.0.1 only, fsync off (this cluster holds nothing worth keeping; PG_FSYNC=on
# keeps it on, for benchmarks that must pay for durable commits).
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"
if [ -z "$cmd" ] || { [ "$cmd" != "probe" ] && [ -z "$dir" ]; }; then
  echo "usage: $0 start|stop DIR | probe" >&2
  exit 2
fi

bin="${PG_BIN:-}"
if [ -z "$bin" ]; then
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
fi
if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/pg_ctl" ]; then
    bin="$(pg_config --bindir)"
  else
    echo "PostgreSQL server binaries not found (apt-get install -y postgresql, or set PG_BIN)" >&2
    exit 3
  fi
fi

as_owner() {
  if [ "$(id -u)" = "0" ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$cmd" in
  probe)
    echo "$bin"
    ;;
  start)
    mkdir -p "$dir"
    if [ "$(id -u)" = "0" ]; then
      id -u postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
      chown postgres "$dir"
    fi
    chmod 700 "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale -N >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    fsync="-c fsync=off"
    if [ "${PG_FSYNC:-off}" = "on" ]; then fsync=""; fi
    started=""
    for _ in 1 2 3 4 5 6 7 8; do
      if [ -f "$dir/port" ]; then
        port="$(cat "$dir/port")"
      else
        port=$(( 20000 + RANDOM % 40000 ))
        # Something answers there already: try another.
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
      fi
      if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -k $dir $fsync -c max_connections=100" start >/dev/null; then
        echo "$port" >"$dir/port"
        started="yes"
        break
      fi
      [ -f "$dir/port" ] && { tail -n 20 "$dir/server.log" >&2; exit 1; }
    done
    if [ -z "$started" ]; then
      tail -n 20 "$dir/server.log" >&2 || true
      echo "PostgreSQL did not start" >&2
      exit 1
    fi
    echo "TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
    echo "TEST_PGDATA=$dir"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
    fi
    ;;
  *)
    echo "usage: $0 start|stop DIR | probe" >&2
    exit 2
    ;;
esac
