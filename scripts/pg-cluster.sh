#!/usr/bin/env bash
# The embedded PostGIS cluster under var/: `start` (initialises on first use), `stop`, `status`.
# initdb refuses root, so as root the server runs as the `postgres` user through runuser.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
pgbin=/usr/lib/postgresql/15/bin
# Below the kernel's ephemeral range (32768–60999): there a client connecting while the server is
# down can be handed this very port as its own source port, and its TIME_WAIT then blocks the bind.
port="${ATLAS_PG_PORT:-15432}"
mkdir -p "$root/var"

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# As root the server runs as `postgres`, which cannot enter a checkout in a private folder
# (say under /root). The cluster then lives in postgres's home, in a folder named after the
# checkout, and var/pg links to it.
home="$root/var"
if [ "$(id -u)" -eq 0 ] && ! as_owner test -x "$root/var"; then
  home="/var/lib/postgresql/thanhhoa-atlas/$(printf '%s' "$root" | sha1sum | cut -c1-12)"
  install -d -o postgres -g postgres -m 700 "$(dirname "$home")" "$home"
  ln -sfn "$home" "$root/var/pg"
fi
data="$home/pgdata"
sockets="$home/run"
log="$home/postgres.log"

init_cluster() {
  mkdir -p "$sockets"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$sockets"
  install -d -m 700 "$data"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$data"
  echo "Initialising the embedded PostGIS cluster in ${data#"$root"/}"
  as_owner "$pgbin/initdb" -D "$data" -U atlas --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sockets'
shared_buffers = 512MB
work_mem = 32MB
maintenance_work_mem = 256MB
max_wal_size = 2GB
fsync = on
CONF
}

port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
}

start() {
  [ -x "$pgbin/initdb" ] || { echo "PostgreSQL 15 is not installed (run scripts/system-packages.sh)." >&2; exit 1; }
  [ -f "$data/PG_VERSION" ] || init_cluster
  if as_owner "$pgbin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    return 0
  fi
  if port_taken; then
    echo "Port $port on 127.0.0.1 is in use by another program: stop it, or set ATLAS_DATABASE_URL to use your own PostgreSQL." >&2
    exit 1
  fi
  touch "$log"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$log"
  # The port on the command line wins over postgresql.conf, so a cluster made with another port follows.
  local attempt seen
  for attempt in 1 2 3 4 5 6; do
    seen=$(wc -l <"$log")
    if as_owner "$pgbin/pg_ctl" -D "$data" -l "$log" -o "-p $port" -w -t 60 start >/dev/null; then
      return 0
    fi
    # A socket of an earlier server left in TIME_WAIT holds the address for up to a minute. Only
    # this attempt's lines of the log count: an old failure must not make a new one look alike.
    if tail -n +"$((seen + 1))" "$log" | grep -q "Address already in use" && [ "$attempt" -lt 6 ]; then
      echo "127.0.0.1:$port is still held by a closed connection; trying again in 10 s ($attempt/5)" >&2
      sleep 10
      continue
    fi
    break
  done
  echo "The embedded PostgreSQL did not start; the end of $log says why:" >&2
  tail -n 5 "$log" >&2
  exit 1
}

stop() {
  [ -f "$data/PG_VERSION" ] || return 0
  as_owner "$pgbin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) as_owner "$pgbin/pg_ctl" -D "$data" status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
