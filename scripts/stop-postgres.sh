#!/usr/bin/env bash
# Stops the cluster scripts/start-postgres.sh started (same $ZOETROPE_PG_PORT / $ZOETROPE_PG_DIR)
# and removes its folder.
set -euo pipefail

port=${ZOETROPE_PG_PORT:-54329}
dir=${ZOETROPE_PG_DIR:-${TMPDIR:-/tmp}/zoetrope-pg-$port}

if [ ! -d "$dir" ]; then
    echo "stop-postgres: nothing at $dir" >&2
    exit 0
fi

bin=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1 || true)
[ -n "$bin" ] && [ -x "$bin/pg_ctl" ] || bin=$(dirname "$(command -v pg_ctl)")

if [ -f "$dir/data/postmaster.pid" ]; then
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -m fast -w stop > /dev/null
    else
        "$bin/pg_ctl" -D "$dir/data" -m fast -w stop > /dev/null
    fi
fi
rm -rf "$dir"
echo "stop-postgres: stopped and removed $dir" >&2
