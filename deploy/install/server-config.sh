#!/bin/sh
# Secrets and environment files of the server parts, in $I5G_ETC (default /etc/i5g), every file mode 0600.
#   deploy/install/server-config.sh
# Generates each secret once (re-running keeps them): broker-admin-password, collector-mqtt-password,
# postgres-password, secret-key, influx-admin-password, influx-collector-password, influx-reader-password,
# influx-rollup-password. Then writes registry.env, collector.env, influx-proxy.env and evidence.env, which the
# systemd units read, and pgpass (the registry role's password for deploy/backup/ with PGPASSFILE). Ports and hosts can be changed with the
# variables below; the defaults are the usual ones.
# I5G_PUBLIC_NAME: the name browsers use for the registry behind nginx (deploy/install/nginx.sh). Set, the
# registry trusts the forwarded client address from nginx on 127.0.0.1, accepts that Host (and the loopback
# names the collector uses) and marks its session cookie Secure. A re-run without it keeps the last one;
# I5G_PUBLIC_NAME= (empty) removes it.
set -eu
etc=${I5G_ETC:-/etc/i5g}
mqtt_port=${I5G_MQTT_LOCAL_PORT:-1883}          # loopback listener: registry admin connection, collector
influx_port=${I5G_INFLUX_PORT:-8086}
proxy_port=${I5G_INFLUX_PROXY_PORT:-8087}
registry_port=${I5G_REGISTRY_PORT:-8000}
metrics_port=${I5G_COLLECTOR_METRICS_PORT:-9108}
pg_host=${I5G_POSTGRES_HOST:-127.0.0.1}
pg_port=${I5G_POSTGRES_PORT:-5432}
# Unset: the name of the last run (kept in registry.env), so a re-run does not drop the proxy settings.
public_name=${I5G_PUBLIC_NAME-$(sed -n 's/^# public name: //p' "$etc/registry.env" 2>/dev/null || true)}
retention=${I5G_INFLUX_RETENTION:-90d}          # as in influxdb.sh: evidence needs to know how far raw data goes
case $public_name in *[!A-Za-z0-9.-]*) echo "I5G_PUBLIC_NAME: a host name, not $public_name" >&2; exit 2 ;; esac
case $retention in
    INF) raw_days=3650 ;;
    *d) raw_days=${retention%d} ;;
    *w) raw_days=$((${retention%w} * 7)) ;;
    *h) raw_days=$(((${retention%h} + 23) / 24)) ;;
    *) raw_days=1 ;;
esac
umask 077
mkdir -p "$etc"
secret() {
    [ -s "$etc/$1" ] || python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > "$etc/$1"
    cat "$etc/$1"
}
broker_admin=$(secret broker-admin-password)
collector_mqtt=$(secret collector-mqtt-password)
postgres=$(secret postgres-password)
secret_key=$(secret secret-key)
influx_collector=$(secret influx-collector-password)
influx_reader=$(secret influx-reader-password)
influx_rollup=$(secret influx-rollup-password)
secret influx-admin-password >/dev/null        # only influxdb.sh uses it
database_url=postgresql+psycopg://i5g:$postgres@$pg_host:$pg_port/i5g

cat > "$etc/registry.env" <<END
I5G_ENVIRONMENT=production
I5G_DATABASE_URL=$database_url
I5G_SECRET_KEY=$secret_key
I5G_PORT=$registry_port
I5G_BROKER_ADMIN_URL=mqtt://127.0.0.1:$mqtt_port
I5G_BROKER_ADMIN_USERNAME=i5g-admin
I5G_BROKER_ADMIN_PASSWORD=$broker_admin
# Deployment evidence reads InfluxQL as the read-only user (influxdb.sh), from the retention policy it made.
I5G_EVIDENCE_INFLUX_URL=http://127.0.0.1:$influx_port
I5G_EVIDENCE_USERNAME=i5g-reader
I5G_EVIDENCE_PASSWORD=$influx_reader
I5G_EVIDENCE_RAW_RETENTION_POLICY=raw
I5G_EVIDENCE_RAW_RETENTION_DAYS=$raw_days
END
if [ -n "$public_name" ]; then
    cat >> "$etc/registry.env" <<END
# public name: $public_name
# Behind nginx on this host (deploy/nginx): the client address from X-Forwarded-For, set by nginx only.
# Single quotes: systemd and \`. registry.env\` in a shell both read the JSON lists the same way.
I5G_TRUSTED_PROXIES='["127.0.0.1","::1"]'
I5G_ALLOWED_HOSTS='["$public_name","127.0.0.1","localhost"]'
I5G_WEB_COOKIE_SECURE=true
END
fi
printf '%s:%s:i5g:i5g:%s\n' "$pg_host" "$pg_port" "$postgres" > "$etc/pgpass"
# The registry token line is added by registry-setup.sh; keep it when re-writing.
token=$(grep '^I5G_COLLECTOR_REGISTRY_TOKEN=' "$etc/collector.env" 2>/dev/null || true)
cat > "$etc/collector.env" <<END
I5G_COLLECTOR_MQTT_HOST=127.0.0.1
I5G_COLLECTOR_MQTT_PORT=$mqtt_port
I5G_COLLECTOR_MQTT_USERNAME=i5g-collector
I5G_COLLECTOR_MQTT_PASSWORD=$collector_mqtt
I5G_COLLECTOR_INFLUX_URL=http://127.0.0.1:$proxy_port
I5G_COLLECTOR_INFLUX_TOKEN=i5g-collector:$influx_collector
I5G_COLLECTOR_REGISTRY_URL=http://127.0.0.1:$registry_port
I5G_COLLECTOR_METRICS_PORT=$metrics_port
$token
END
# The evidence rollup job (i5g-evidence-rollup.service): its own account; influxdb.sh made both policies.
cat > "$etc/evidence.env" <<END
I5G_EVIDENCE_INFLUX_URL=http://127.0.0.1:$influx_port
I5G_EVIDENCE_USERNAME=i5g-rollup
I5G_EVIDENCE_PASSWORD=$influx_rollup
I5G_EVIDENCE_RAW_RETENTION_POLICY=raw
I5G_EVIDENCE_RAW_RETENTION_DAYS=$raw_days
I5G_EVIDENCE_MANAGE_RETENTION_POLICIES=false
END
cat > "$etc/influx-proxy.env" <<END
I5G_INFLUX_PROXY_UPSTREAM_URL=http://127.0.0.1:$influx_port
I5G_INFLUX_PROXY_PORT=$proxy_port
END
echo "wrote $etc/registry.env, $etc/collector.env, $etc/influx-proxy.env, $etc/evidence.env, $etc/pgpass"
