#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the job store's tests: initdb into a temporary folder, trust
# authentication, listening on 127.0.0.1 only, one database `zoetrope_test`. Prints its URL on
# standard output (everything else goes to standard error), so:
#
#   export ZOETROPE_TEST_POSTGRES=$(bash scripts/start-postgres.sh)
#   swift test -c release --filter JobQueueTests
#   bash scripts/stop-postgres.sh
#
# The port is $ZOETROPE_PG_PORT (default 54329); the cluster lives in /tmp/zoetrope-pg-PORT (or
# $ZOETROPE_PG_DIR). Run again while it is up, it prints the URL of the running cluster. PostgreSQL is
# installed with apt-get when no server binaries are found.
set -euo pipefail

port=${ZOETROPE_PG_PORT:-54329}
dir=${ZOETROPE_PG_DIR:-${TMPDIR:-/tmp}/zoetrope-pg-$port}
url="postgres://postgres@127.0.0.1:$port/zoetrope_test"

say() { echo "start-postgres: $*" >&2; }

find_bin() {
    # The newest installed major version (Debian's layout), else whatever is on PATH.
    local candidate
    candidate=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1 || true)
    if [ -n "$candidate" ] && [ -x "$candidate/initdb" ]; then echo "$candidate"; return; fi
    if command -v initdb > /dev/null; then dirname "$(command -v initdb)"; return; fi
}

bin=$(find_bin)
if [ -z "$bin" ]; then
    say "no PostgreSQL server found; installing the postgresql package"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y postgresql >&2
    bin=$(find_bin)
    [ -n "$bin" ] || { say "PostgreSQL was installed but initdb is still missing"; exit 1; }
fi

# PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user.
if [ "$(id -u)" -eq 0 ]; then
    owner=postgres
    id -u "$owner" > /dev/null 2>&1 || { say "running as root needs a 'postgres' user (the Debian package makes one)"; exit 1; }
    as_owner() { runuser -u "$owner" -- "$@"; }
else
    owner=$(id -un)
    as_owner() { "$@"; }
fi

if [ -f "$dir/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir/data" status > /dev/null 2>&1; then
    say "already running in $dir"
    echo "$url"
    exit 0
fi

if (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
    say "port $port is taken by another program; set ZOETROPE_PG_PORT to a free port"
    exit 1
fi

rm -rf "$dir"
mkdir -p "$dir"
chown "$owner" "$dir"
chmod 700 "$dir"

as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale > "$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; say "initdb failed"; exit 1; }

# Only TCP on 127.0.0.1, and the socket in the cluster's own folder (the default /var/run/postgresql
# is not writable by every user).
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off" start > /dev/null \
    || { cat "$dir/server.log" >&2; say "the server did not start"; exit 1; }

as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres zoetrope_test
say "running in $dir (stop it with scripts/stop-postgres.sh)"
echo "$url"
