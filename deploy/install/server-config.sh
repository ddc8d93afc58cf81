#!/bin/sh
# Secrets and environment files of the server parts, in $I5G_ETC (default /etc/i5g), every file mode 0600.
#   deploy/install/server-config.sh
# Generates each secret once (re-running keeps them): broker-admin-password, collector-mqtt-password,
# postgres-password, secret-key. Then writes registry.env, collector.env and influx-proxy.env, which the
# systemd units read. Ports and hosts can be changed with the variables below; the defaults are the usual ones.
set -eu
etc=${I5G_ETC:-/etc/i5g}
mqtt_port=${I5G_MQTT_LOCAL_PORT:-1883}          # loopback listener: registry admin connection, collector
influx_port=${I5G_INFLUX_PORT:-8086}
proxy_port=${I5G_INFLUX_PROXY_PORT:-8087}
registry_port=${I5G_REGISTRY_PORT:-8000}
metrics_port=${I5G_COLLECTOR_METRICS_PORT:-9108}
pg_host=${I5G_POSTGRES_HOST:-127.0.0.1}
pg_port=${I5G_POSTGRES_PORT:-5432}
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
database_url=postgresql+psycopg://i5g:$postgres@$pg_host:$pg_port/i5g

cat > "$etc/registry.env" <<END
I5G_ENVIRONMENT=production
I5G_DATABASE_URL=$database_url
I5G_SECRET_KEY=$secret_key
I5G_PORT=$registry_port
I5G_BROKER_ADMIN_URL=mqtt://127.0.0.1:$mqtt_port
I5G_BROKER_ADMIN_USERNAME=i5g-admin
I5G_BROKER_ADMIN_PASSWORD=$broker_admin
END
# The registry token line is added by registry-setup.sh; keep it when re-writing.
token=$(grep '^I5G_COLLECTOR_REGISTRY_TOKEN=' "$etc/collector.env" 2>/dev/null || true)
cat > "$etc/collector.env" <<END
I5G_COLLECTOR_MQTT_HOST=127.0.0.1
I5G_COLLECTOR_MQTT_PORT=$mqtt_port
I5G_COLLECTOR_MQTT_USERNAME=i5g-collector
I5G_COLLECTOR_MQTT_PASSWORD=$collector_mqtt
I5G_COLLECTOR_INFLUX_URL=http://127.0.0.1:$proxy_port
I5G_COLLECTOR_REGISTRY_URL=http://127.0.0.1:$registry_port
I5G_COLLECTOR_METRICS_PORT=$metrics_port
$token
END
cat > "$etc/influx-proxy.env" <<END
I5G_INFLUX_PROXY_UPSTREAM_URL=http://127.0.0.1:$influx_port
I5G_INFLUX_PROXY_PORT=$proxy_port
END
echo "wrote $etc/registry.env, $etc/collector.env, $etc/influx-proxy.env"
