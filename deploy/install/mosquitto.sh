#!/bin/sh
# Mosquitto (Debian's package) for i5g: the shared policy, a loopback listener for the server's own clients, a
# TLS listener for gateways, the dynamic-security plugin and its admin account.
#   deploy/install/mosquitto.sh && systemctl restart mosquitto
# Reads $I5G_ETC/broker-admin-password (server-config.sh) and $I5G_ETC/tls/broker.{crt,key} (tls.sh; copied
# to /etc/mosquitto/certs, where the broker's own user can read them). The
# admin password reaches mosquitto_ctrl on stdin, never on a command line.
set -eu
here=$(dirname "$0")
etc=${I5G_ETC:-/etc/i5g}
conf_dir=${I5G_MOSQUITTO_CONF_DIR:-/etc/mosquitto/conf.d}
data_dir=${I5G_MOSQUITTO_DATA_DIR:-/var/lib/mosquitto}
tls_dir=${I5G_TLS_DIR:-$etc/tls}
# Debian's place for broker certificates: readable by the `mosquitto` user, unlike /etc/i5g (0700, root).
cert_dir=${I5G_MOSQUITTO_CERT_DIR:-/etc/mosquitto/certs}
local_port=${I5G_MQTT_LOCAL_PORT:-1883}
tls_port=${I5G_MQTT_TLS_PORT:-8883}
tls_bind=${I5G_MQTT_TLS_BIND:-}                  # empty: every interface
plugin=$(ls /usr/lib/*/mosquitto_dynamic_security.so /usr/lib/mosquitto_dynamic_security.so 2>/dev/null | head -n 1)
[ -n "$plugin" ] || { echo "mosquitto_dynamic_security.so not found: apt-get install mosquitto" >&2; exit 1; }
mkdir -p "$conf_dir" "$data_dir" "$cert_dir"
install -m 0644 "$here/../mosquitto/conf.d/i5g.conf" "$conf_dir/i5g.conf"
install -m 0644 "$tls_dir/broker.crt" "$cert_dir/i5g-broker.crt"
install -m 0640 "$tls_dir/broker.key" "$cert_dir/i5g-broker.key"
if [ "$(id -u)" = 0 ] && getent group mosquitto >/dev/null 2>&1; then
    chgrp mosquitto "$cert_dir/i5g-broker.key"
fi
cat > "$conf_dir/i5g-listeners.conf" <<END
# Written by deploy/install/mosquitto.sh. Loopback: the registry's admin connection and the collector.
listener $local_port 127.0.0.1
# Gateways: TLS only.
listener $tls_port $tls_bind
certfile $cert_dir/i5g-broker.crt
keyfile $cert_dir/i5g-broker.key
plugin $plugin
plugin_opt_config_file $data_dir/dynamic-security.json
END
if [ ! -f "$data_dir/dynamic-security.json" ]; then
    umask 077
    password=$(cat "$etc/broker-admin-password")
    printf '%s\n%s\n' "$password" "$password" |
        mosquitto_ctrl dynsec init "$data_dir/dynamic-security.json" i5g-admin >/dev/null
    if [ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1; then
        chown mosquitto: "$data_dir/dynamic-security.json"
    fi
fi
echo "broker: $conf_dir/i5g.conf + i5g-listeners.conf (127.0.0.1:$local_port, TLS :$tls_port)"
