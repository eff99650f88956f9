#!/usr/bin/env bash
# A throw-away PostgreSQL for the test suite, as CI and a developer run it.
#
#   scripts/test-postgres.sh run CMD [ARG...]   start a server, run CMD with
#                                                ASSAY_TEST_POSTGRES_URL set, then stop and
#                                                remove the server (also when CMD fails or
#                                                is interrupted); exits with CMD's status
#   scripts/test-postgres.sh start              start one; print its URL, then its cluster
#                                                folder, one a line on stdout
#   scripts/test-postgres.sh stop DIR           stop the server in DIR and remove DIR (only a
#                                                folder that `start` made)
#
# PostgreSQL comes from Debian's packages: when no server binaries are found, the script
# installs the `postgresql` package (as root; `apt-get update` first when the package lists
# are missing). A second run finds the installed binaries and installs nothing. The cluster
# lives in a new temporary folder owned by the `postgres` user when run as root (PostgreSQL
# refuses to run as root), listens only on 127.0.0.1 on a free port, trusts local
# connections, and runs without fsync: it holds nothing worth keeping.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/apt.sh
. "$here/apt.sh"

marker=made-by-assay-test-postgres
say() { echo "test-postgres: $*" >&2; }

find_bindir() {
    local dir
    # Newest major version first; pg_config is only in the -dev package, so look for it last.
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -rn); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ] &&
            [ -x "$dir/psql" ]; then
            echo "$dir"
            return 0
        fi
    done
    if command -v pg_config >/dev/null 2>&1; then
        dir=$(pg_config --bindir)
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/psql" ]; then
            echo "$dir"
            return 0
        fi
    fi
    return 1
}

install_postgres() {
    say "no PostgreSQL server found; installing Debian's postgresql package"
    apt_install postgresql
    # Debian's package creates a cluster `main` on port 5432 and, where services may start,
    # starts it. The tests need none: stop what the install started.
    if command -v pg_lsclusters >/dev/null 2>&1; then
        pg_lsclusters -h 2>/dev/null | while read -r version name port status _; do
            if [ "$status" = online ]; then
                say "stopping the cluster $version/$name (port $port) that the install started"
                pg_ctlcluster "$version" "$name" stop || true
            fi
        done
    fi
}

as_owner() {
    # Run a command as the cluster's owner: the postgres user under root, else ourselves.
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    local started bindir dir port url
    started=$(date +%s.%N)
    if ! bindir=$(find_bindir); then
        install_postgres
        bindir=$(find_bindir) || { say "PostgreSQL was installed but its binaries were not found"; exit 3; }
    else
        say "using the installed PostgreSQL in $bindir"
    fi
    dir=$(mktemp -d "${TMPDIR:-/tmp}/assay-test-pg.XXXXXX")
    chmod 755 "$dir"
    if [ "$(id -u)" = 0 ]; then
        chown postgres:postgres "$dir"
    fi
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
        --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        say "initdb failed"
        rm -rf "$dir"
        exit 3
    }
    local tries=0
    while :; do
        port=$(free_port)
        if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 \
                -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            >/dev/null; then
            break
        fi
        tries=$((tries + 1))
        if [ "$tries" -ge 3 ]; then
            tail -20 "$dir/server.log" >&2 || true
            say "the server did not start"
            as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
            rm -rf "$dir"
            exit 3
        fi
        say "port $port was taken; trying another"
    done
    echo "$bindir" >"$dir/bindir"
    touch "$dir/$marker"
    if ! as_owner "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -q \
        -c "CREATE DATABASE test" >/dev/null; then
        say "could not create the test database"
        stop "$dir" >/dev/null 2>&1
        exit 3
    fi
    url="postgresql://postgres@127.0.0.1:$port/test"
    say "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') at $url" \
        "(cluster $dir; ready in $(awk "BEGIN {printf \"%.1f\", $(date +%s.%N) - $started}") s)"
    echo "$url"
    echo "$dir"
}

stop() {
    local dir=${1:?usage: scripts/test-postgres.sh stop DIR}
    if [ ! -f "$dir/$marker" ]; then
        say "$dir is not a cluster folder made by this script; leaving it alone"
        return 2
    fi
    if [ -f "$dir/bindir" ] && [ -d "$dir/data" ]; then
        as_owner "$(cat "$dir/bindir")/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
            as_owner "$(cat "$dir/bindir")/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 ||
            true
    fi
    rm -rf "$dir"
    say "stopped and removed $dir"
}

case "${1:-}" in
start)
    start
    ;;
stop)
    stop "${2:-}"
    ;;
run)
    shift
    [ $# -gt 0 ] || { echo "usage: scripts/test-postgres.sh run CMD [ARG...]" >&2; exit 2; }
    out=$(start)
    cluster=$(echo "$out" | tail -1)
    export ASSAY_TEST_POSTGRES_URL
    ASSAY_TEST_POSTGRES_URL=$(echo "$out" | head -1)
    # Stop and remove the server however CMD ends: success, failure, Ctrl-C or TERM.
    trap 'stop "$cluster"' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    status=0
    "$@" || status=$?
    exit "$status"
    ;;
*)
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
