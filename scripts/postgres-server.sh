#!/usr/bin/env bash
# A private PostgreSQL 15 server for tests: its own cluster in a temporary folder, on a free
# port, listening on loopback (and on the addresses given), with trust authentication, no
# system service. As root, the cluster belongs to the `postgres` user (initdb refuses root).
#
# Usage: scripts/postgres-server.sh start FOLDER [ADDRESS...]   prints the server's URL (FOLDER new,
#        in a folder the postgres user can enter, such as /tmp)
#        scripts/postgres-server.sh stop FOLDER
#        scripts/postgres-server.sh restart FOLDER                 same port, same data
set -euo pipefail
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bin/initdb" ] || { echo "postgres-server: PostgreSQL is not installed (apt-get install postgresql-15)" >&2; exit 2; }
command="${1:?start, stop or restart}"
folder="${2:?a folder for the cluster}"
shift 2

# The server must not keep a descriptor of its caller's: a caller that waits for this script
# by a descriptor's end (Foundation's Process does) would wait until the server stops.
for fd in /proc/$$/fd/*; do
    fd="${fd##*/}"
    [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null || true
done

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
start)
    mkdir -p "$folder"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$folder"
    as_owner "$bin/initdb" -D "$folder/data" -U postgres -A trust -E UTF8 --no-sync >"$folder/initdb.log" 2>&1 \
        || { cat "$folder/initdb.log" >&2; exit 1; }
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    listen="127.0.0.1"
    for address in "$@"; do listen="$listen,$address"; done
    {
        echo "port = $port"
        echo "listen_addresses = '$listen'"
        echo "unix_socket_directories = '$folder'"
        echo "max_connections = 200"
        echo "fsync = on"
    } >>"$folder/data/postgresql.conf"
    echo "host all all 0.0.0.0/0 trust" >>"$folder/data/pg_hba.conf"
    # Nothing of the caller's stays open in the server (a caller reading this script's output
    # to its end would wait for the server to stop).
    as_owner "$bin/pg_ctl" -D "$folder/data" -l "$folder/server.log" -w -t 60 start </dev/null >/dev/null 2>>"$folder/pg_ctl.log" \
        || { cat "$folder/pg_ctl.log" "$folder/server.log" >&2; exit 1; }
    echo "$port" >"$folder/port"
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    [ -d "$folder/data" ] && as_owner "$bin/pg_ctl" -D "$folder/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    rm -rf "$folder"
    ;;
restart)
    as_owner "$bin/pg_ctl" -D "$folder/data" -l "$folder/server.log" -m fast -w -t 60 restart </dev/null >/dev/null 2>>"$folder/pg_ctl.log"
    ;;
*)
    echo "postgres-server: unknown command $command" >&2; exit 2 ;;
esac
