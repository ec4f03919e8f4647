#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the tests and benchmarks:
#   tools/postgres.sh start [DIR] [PORT]   (prints the URL to export as TANDEM_TEST_POSTGRES_URL)
#   tools/postgres.sh stop  [DIR]
# Durability is switched off (fsync, synchronous_commit): the data is thrown away anyway.
set -euo pipefail
action=${1:?start or stop}
dir=${2:-/tmp/tandem-pg}
port=${3:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [[ -z "$bin" ]]; then
    echo "postgres.sh: no PostgreSQL server (apt-get install postgresql)" >&2
    exit 1
fi
as_postgres() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case $action in
start)
    if [[ ! -f "$dir/PG_VERSION" ]]; then
        mkdir -p "$dir"
        [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
        as_postgres "$bin/initdb" -D "$dir" -U tandem --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_postgres "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        as_postgres "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w start -o \
            "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=400 -c shared_buffers=256MB" >/dev/null
    fi
    echo "postgresql+asyncpg://tandem@127.0.0.1:$port/postgres"
    ;;
stop)
    as_postgres "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    ;;
*)
    echo "postgres.sh: start or stop" >&2
    exit 2
    ;;
esac
