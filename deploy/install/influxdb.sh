#!/bin/sh
# The telemetry database on InfluxDB 1.x with its retention policy (docs/operations.md "InfluxDB").
#   deploy/install/influxdb.sh
# I5G_INFLUX_URL (default http://127.0.0.1:8086), I5G_INFLUX_DATABASE (i5g), I5G_INFLUX_RETENTION (90d: raw
# samples older than that are deleted; "INF" keeps everything). With authentication enabled, set
# I5G_INFLUX_ADMIN_USER and put its password in $I5G_ETC/influx-admin-password. Re-running applies a changed
# retention and changes nothing else.
set -eu
url=${I5G_INFLUX_URL:-http://127.0.0.1:8086}
db=${I5G_INFLUX_DATABASE:-i5g}
retention=${I5G_INFLUX_RETENTION:-90d}
etc=${I5G_ETC:-/etc/i5g}
# Both are spliced into InfluxQL.
case $db in '' | *[!A-Za-z0-9_-]*) echo "database name: letters, digits, - and _ only: $db" >&2; exit 2 ;; esac
case $retention in INF | [0-9]*[smhdw]) ;; *) echo "retention: a duration like 90d or INF, not $retention" >&2; exit 2 ;; esac
case $retention in INF) ;; *[!0-9smhdw]*) echo "retention: a duration like 90d or INF, not $retention" >&2; exit 2 ;; esac
influxql() {
    if [ -n "${I5G_INFLUX_ADMIN_USER:-}" ]; then
        answer=$(curl -fsS -XPOST "$url/query" -K - --data-urlencode "q=$1" <<END
user = "$I5G_INFLUX_ADMIN_USER:$(cat "$etc/influx-admin-password")"
END
)
    else
        answer=$(curl -fsS -XPOST "$url/query" --data-urlencode "q=$1")
    fi
    case $answer in *'"error"'*) echo "InfluxDB: $1: $answer" >&2; exit 1 ;; esac
}
influxql "CREATE DATABASE \"$db\" WITH DURATION $retention REPLICATION 1 NAME \"raw\""
influxql "ALTER RETENTION POLICY \"raw\" ON \"$db\" DURATION $retention DEFAULT"
echo "InfluxDB: database $db, retention policy raw ($retention, default)"
