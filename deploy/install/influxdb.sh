#!/bin/sh
# The telemetry database on InfluxDB 1.x with authentication (docs/operations.md "InfluxDB on a native install").
#   deploy/install/influxdb.sh          after: auth-enabled = true in [http] of /etc/influxdb/influxdb.conf and
#                                       systemctl restart influxdb
# Creates, with the passwords server-config.sh generated in $I5G_ETC:
#   admin          (influx-admin-password)      all privileges: this script and the operator only
#   i5g-collector  (influx-collector-password)  WRITE on the database: the collector (collector.env)
#   i5g-reader     (influx-reader-password)     READ on the database: evidence (registry.env), Grafana
#   i5g-rollup     (influx-rollup-password)     ALL on the database: the evidence rollup job (evidence.env)
# then the database with its retention policy `raw` (the default one) and `i5g_rollup` (10 years) for the
# rollups. InfluxDB lets the first admin be created without credentials while no admin exists; every other
# statement runs as that admin. Refuses to finish while InfluxDB answers queries without credentials.
# I5G_INFLUX_URL (default http://127.0.0.1:8086), I5G_INFLUX_DATABASE (i5g), I5G_INFLUX_RETENTION (90d: raw
# samples older than that are deleted; "INF" keeps everything). Re-running applies a changed retention and the
# passwords in the files, and changes nothing else.
set -eu
url=${I5G_INFLUX_URL:-http://127.0.0.1:8086}
db=${I5G_INFLUX_DATABASE:-i5g}
retention=${I5G_INFLUX_RETENTION:-90d}
etc=${I5G_ETC:-/etc/i5g}
# Both are spliced into InfluxQL.
case $db in '' | *[!A-Za-z0-9_-]*) echo "database name: letters, digits, - and _ only: $db" >&2; exit 2 ;; esac
case $retention in INF | [0-9]*[smhdw]) ;; *) echo "retention: a duration like 90d or INF, not $retention" >&2; exit 2 ;; esac
case $retention in INF) ;; *[!0-9smhdw]*) echo "retention: a duration like 90d or INF, not $retention" >&2; exit 2 ;; esac
password() {
    value=$(cat "$etc/$1")
    # Spliced into InfluxQL strings: only what server-config.sh generates (token_urlsafe).
    case $value in '' | *[!A-Za-z0-9_-]*) echo "$etc/$1: use letters, digits, - and _ only" >&2; exit 2 ;; esac
    printf '%s' "$value"
}
admin_password=$(password influx-admin-password)
umask 077
curlrc=$(mktemp)
trap 'rm -f -- "$curlrc"' EXIT
# Credentials in a curl config file and statements on stdin: no password on a command line (ps shows those).
printf 'user = "admin:%s"\n' "$admin_password" > "$curlrc"
influxql() {  # influxql none|admin STATEMENT: sets $status (200; 401 = credentials refused) and $body
    auth=""
    [ "$1" = none ] || auth="-K $curlrc"
    answer=$(printf '%s' "$2" | curl -sS -XPOST "$url/query" $auth --data-urlencode q@- -w '\n%{http_code}')
    status=$(printf '%s\n' "$answer" | tail -n 1)
    body=$(printf '%s\n' "$answer" | sed '$d')
}
as_admin() {  # the statement may hold a password: an error names only the part before its first quote
    influxql admin "$1"
    case $status in
        200) case $body in *'"error"'*) echo "InfluxDB: ${1%% \"*}: $body" >&2; exit 1 ;; esac ;;
        401) echo "InfluxDB refused admin's password ($etc/influx-admin-password)" >&2; exit 1 ;;
        *) echo "InfluxDB: HTTP $status: $body" >&2; exit 1 ;;
    esac
}
# Answered 401 (or "user already exists") once an admin exists: a re-run goes on with the file's password.
influxql none "CREATE USER \"admin\" WITH PASSWORD '$admin_password' WITH ALL PRIVILEGES"
as_admin "CREATE DATABASE \"$db\" WITH DURATION $retention REPLICATION 1 NAME \"raw\""
as_admin "ALTER RETENTION POLICY \"raw\" ON \"$db\" DURATION $retention DEFAULT"
as_admin "SHOW RETENTION POLICIES ON \"$db\""
case $body in
    *'"i5g_rollup"'*) as_admin "ALTER RETENTION POLICY \"i5g_rollup\" ON \"$db\" DURATION 3650d" ;;
    *) as_admin "CREATE RETENTION POLICY \"i5g_rollup\" ON \"$db\" DURATION 3650d REPLICATION 1" ;;
esac
for user in i5g-collector:WRITE i5g-reader:READ i5g-rollup:ALL; do
    right=${user#*:}
    user=${user%:*}
    secret=$(password "influx-${user#i5g-}-password")
    as_admin 'SHOW USERS'
    case $body in
        *"\"$user\""*) as_admin "SET PASSWORD FOR \"$user\" = '$secret'" ;;
        *) as_admin "CREATE USER \"$user\" WITH PASSWORD '$secret'" ;;
    esac
    as_admin "GRANT $right ON \"$db\" TO \"$user\""
done
influxql none 'SHOW DATABASES'
if [ "$status" != 401 ]; then
    echo "InfluxDB answers without credentials: set auth-enabled = true in [http] of influxdb.conf and restart it" >&2
    exit 1
fi
echo "InfluxDB: database $db, retention policies raw ($retention, default) and i5g_rollup (3650d); users admin, i5g-collector (write), i5g-reader (read), i5g-rollup (all on $db)"
