#!/usr/bin/env bash
# The whole test suite, on SQLite and then on PostgreSQL. Extra arguments go to pytest.
#
# Needs Debian's Chromium for the browser tests (installed here with apt-get when running as
# root) and a PostgreSQL server on 127.0.0.1:5432 that trusts the user postgres (started here
# with pg_ctlcluster when it is installed but not running).
set -euo pipefail

cd "$(dirname "$0")/.."

PG_HOST=127.0.0.1
PG_PORT=5432
PG_URL="postgres://postgres@${PG_HOST}:${PG_PORT}/dangjian_ci"

if [[ -x .venv/bin/pytest ]]; then
    pytest=(.venv/bin/pytest)
elif [[ -n "${VIRTUAL_ENV:-}" && -x "${VIRTUAL_ENV}/bin/python" ]]; then
    pytest=("${VIRTUAL_ENV}/bin/python" -m pytest)
else
    echo "No virtualenv with the test dependencies. Create one first:" >&2
    echo "  python3 -m venv .venv && .venv/bin/pip install -e '.[test]'" >&2
    exit 1
fi

# Debian's chromium drives the browser tests; GNU gettext lets a test check that every marked
# string is in the Chinese catalogue.
missing_packages=()
[[ -x /usr/bin/chromium ]] || missing_packages+=(chromium)
command -v xgettext >/dev/null || missing_packages+=(gettext)
if (( ${#missing_packages[@]} )); then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
        echo "== Installing ${missing_packages[*]} with apt-get"
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing_packages[@]}"
    else
        echo "Missing Debian packages: ${missing_packages[*]}. Install them as root:" >&2
        echo "  apt-get update && apt-get install -y --no-install-recommends ${missing_packages[*]}" >&2
        exit 1
    fi
fi

if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT" 2>/dev/null; then
    if ! command -v pg_ctlcluster >/dev/null || [[ ! -d /etc/postgresql ]]; then
        echo "PostgreSQL does not answer on ${PG_HOST}:${PG_PORT} and no cluster is installed here." >&2
        echo "Install Debian's postgresql package, or start a server there that trusts the user postgres." >&2
        exit 1
    fi
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    echo "== Starting PostgreSQL ${version}"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    for _ in $(seq 1 60); do
        pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break
        sleep 0.5
    done
    if ! pg_isready -h "$PG_HOST" -p "$PG_PORT"; then
        echo "PostgreSQL did not come up on ${PG_HOST}:${PG_PORT} within 30 seconds." >&2
        exit 1
    fi
fi

# Each run reports its own result; a run that collects no tests (pytest's exit 5) fails too.
declare -A results
failed=0
run() {
    local name="$1"
    shift
    echo "== Test suite on ${name}"
    local status=0
    "$@" || status=$?
    if [[ $status == 0 ]]; then
        results[$name]="passed"
    else
        results[$name]="FAILED (pytest exit ${status})"
        failed=1
    fi
}

run SQLite env -u DATABASE_URL "${pytest[@]}" "$@"
run PostgreSQL env DATABASE_URL="$PG_URL" "${pytest[@]}" "$@"

echo
for name in SQLite PostgreSQL; do
    echo "${name}: ${results[$name]}"
done
exit "$failed"
