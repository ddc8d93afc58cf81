#!/bin/sh
# Schema, seed catalog, the collector's broker identity and its registry token (needs PostgreSQL and the broker
# running; safe to re-run).
#   deploy/install/registry-setup.sh
set -eu
etc=${I5G_ETC:-/etc/i5g}
i5g="${I5G_PREFIX:-/opt/i5g}/venv/bin/i5g"
set -a
. "$etc/registry.env"
set +a
"$i5g" registry migrate
"$i5g" registry seed
"$i5g" broker collector --password-file "$etc/collector-mqtt-password"
if ! grep -q '^I5G_COLLECTOR_REGISTRY_TOKEN=.' "$etc/collector.env"; then
    token=$("$i5g" registry create-token --name "collector-$(hostname)" --role collector)
    printf 'I5G_COLLECTOR_REGISTRY_TOKEN=%s\n' "$token" >> "$etc/collector.env"
fi
echo "registry ready; collector identity and token in $etc/collector.env"
