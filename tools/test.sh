#!/usr/bin/env bash
# The test command: lint, types, then the suite on SQLite and again on PostgreSQL.
# The PostgreSQL pass needs a server: TANDEM_TEST_POSTGRES_URL if set, else a throwaway one
# started by tools/postgres.sh (Debian's postgresql package); without either the run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ruff check .
mypy
# Three workers on two cores: the tests spend most of their time waiting on loopback HTTP.
# A file's tests stay together, in order, on one worker: some share a module-scoped simulation.
parallel=(-n "${TANDEM_TEST_WORKERS:-3}" --dist loadfile)
# The SQLite pass, even when TANDEM_TEST_POSTGRES_URL names a server for the second one.
env -u TANDEM_TEST_POSTGRES_URL python3 -m pytest -q "${parallel[@]}" "$@"
if [[ -z "${TANDEM_TEST_POSTGRES_URL:-}" ]]; then
    if ! TANDEM_TEST_POSTGRES_URL=$(bash tools/postgres.sh start); then
        echo "tools/test.sh: no PostgreSQL server; the PostgreSQL pass did not run" >&2
        exit 1
    fi
    started=1
fi
export TANDEM_TEST_POSTGRES_URL
status=0
python3 -m pytest -q "${parallel[@]}" -m "not single_pass" "$@" || status=$?
if [[ -n "${started:-}" ]]; then bash tools/postgres.sh stop || true; fi
exit $status
