#!/usr/bin/env bash
# Throwaway PostgreSQL server for tests, used by .ci/run and usable by hand:
#
#   DSN=$(.ci/pg.sh start [DIR] | tail -n1)   # DIR: empty/new dir, default mktemp
#   LODESTAR_TEST_POSTGRES="$DSN" go test ./...
#   .ci/pg.sh stop DIR                         # stops the server, deletes DIR
#
# The server listens on 127.0.0.1 only, trusts everyone (no password), has
# fsync off, and keeps its data, socket and log inside DIR, so it never touches
# the distribution's own cluster and several can run side by side.
# Progress goes to stderr; stdout's last line is the DSN.
set -euo pipefail

DB=lodestar_test
MARKER=.lodestar-pg # only directories carrying this file are deleted by stop

die() { echo "pg.sh: $*" >&2; exit 1; }

# Debian keeps the server binaries off PATH in /usr/lib/postgresql/<ver>/bin;
# take the newest, else whatever initdb is on PATH (other distros, macOS).
pgbin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  if [[ -z $d ]]; then
    d=$(command -v initdb) || die "initdb not found; install postgresql"
    d=$(dirname "$d")
  fi
  echo "$d"
}

# initdb and postgres refuse to run as root, so as root use the postgres user.
as_pg() {
  if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# True if something already accepts connections on 127.0.0.1:$1.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  local dir=${1:-} bin port
  bin=$(pgbin)
  if [[ -z $dir ]]; then
    dir=$(mktemp -d /tmp/lodestar-pg.XXXXXX)
  else
    mkdir -p "$dir"
    [[ -z $(ls -A "$dir") ]] || die "$dir is not empty"
  fi
  dir=$(cd "$dir" && pwd) # absolute: pg_ctl and stop need it
  touch "$dir/$MARKER"
  if [[ $(id -u) == 0 ]]; then chown -R postgres: "$dir"; fi
  cd "$dir" # postgres user may not be able to read the caller's cwd

  as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; die "initdb failed"; }

  # Try ports from 55432 up; skip busy ones, and also move on if the server
  # fails to start (e.g. another process grabbed the port in the meantime).
  for port in $(seq 55432 55481); do
    port_busy "$port" && continue
    if as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -o \
      "-c listen_addresses=127.0.0.1 -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c unix_socket_directories=$dir" \
      start >&2; then
      "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$DB" >&2
      echo "pg.sh: PostgreSQL $("$bin/postgres" -V | awk '{print $3}') on 127.0.0.1:$port; stop with: $0 stop $dir" >&2
      echo "postgres://postgres@127.0.0.1:$port/$DB?sslmode=disable"
      return 0
    fi
  done
  tail -n 20 "$dir/postgres.log" >&2
  die "could not start PostgreSQL (data in $dir)"
}

stop() {
  local dir=${1:?usage: pg.sh stop DIR}
  [[ -d $dir ]] || return 0 # already gone: nothing to do (keeps traps simple)
  [[ -e $dir/$MARKER ]] || die "$dir was not created by pg.sh start; not touching it"
  if [[ -e $dir/data/postmaster.pid ]]; then
    (cd "$dir" && as_pg "$(pgbin)/pg_ctl" -D "$dir/data" -m fast -w stop >&2) ||
      echo "pg.sh: pg_ctl stop failed; removing $dir anyway" >&2
  fi
  rm -rf "$dir"
}

case ${1:-} in
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) die "usage: $0 start [DIR] | stop DIR" ;;
esac
