#!/bin/sh
# A gateway's configuration, from deploy/agent.example.toml (run on the gateway, after venv.sh).
#   deploy/install/agent.sh GATEWAY_ID BROKER_HOST [BROKER_PORT] < password-file
# Reads the gateway's MQTT password (shown once when it was registered) on stdin, writes it to
# $I5G_ETC/mqtt-password (0600) and $I5G_ETC/agent.toml with the id, broker, CA ($I5G_ETC/ca.crt, copied from
# the server's tls/ca.crt) and the broker as probe target. Edit agent.toml afterwards for the site's sources.
set -eu
gateway=$1
host=$2
port=${3:-8883}
etc=${I5G_ETC:-/etc/i5g}
state=${I5G_AGENT_STATE_DIR:-/var/lib/i5g-agent}
example="$(dirname "$0")/../agent.example.toml"
# The values go into sed expressions and TOML strings: allow only what a gateway id, host name or port can be.
case $gateway in '' | -* | *[!a-z0-9-]*) echo "gateway id must be a lowercase slug (a-z, 0-9, -): $gateway" >&2; exit 2 ;; esac
case $host in '' | -* | *[!A-Za-z0-9.:-]*) echo "not a host name or address: $host" >&2; exit 2 ;; esac
case $port in '' | *[!0-9]*) echo "not a port: $port" >&2; exit 2 ;; esac
umask 077
mkdir -p "$etc"
IFS= read -r password
[ -n "$password" ] || { echo "no password on stdin" >&2; exit 2; }
printf '%s' "$password" > "$etc/mqtt-password"
[ -f "$etc/ca.crt" ] || { echo "copy the broker's CA to $etc/ca.crt first" >&2; exit 2; }
sed -e "s|^gateway_id = \"[^\"]*\"|gateway_id = \"$gateway\"|" \
    -e "s|^state_dir = \"[^\"]*\"|state_dir = \"$state\"|" \
    -e "/^\[agent.mqtt\]/,/^\[/ s|^host = \"[^\"]*\"|host = \"$host\"|" \
    -e "s|^port = 8883|port = $port|" \
    -e "s|^password_file = \"/etc/i5g/mqtt-password\"|password_file = \"$etc/mqtt-password\"|" \
    -e "s|^# ca_file = \"/etc/i5g/ca.crt\"|ca_file = \"$etc/ca.crt\"|" \
    -e "s|^targets = \\[[^]]*\\]|targets = [\"$host:$port\"]|" \
    "$example" > "$etc/agent.toml"
chmod 0644 "$etc/agent.toml"
echo "wrote $etc/agent.toml and $etc/mqtt-password; check with: i5g agent check --config $etc/agent.toml"
