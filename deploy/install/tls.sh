#!/bin/sh
# A private CA and the broker's certificate (docs/operations.md "TLS").
#   deploy/install/tls.sh DIR BROKER_NAME          e.g. deploy/install/tls.sh /etc/i5g/tls mqtt.example.internal
# Writes DIR/ca.crt (copy it to every gateway), DIR/ca.key (keep it offline afterwards), DIR/broker.crt and
# DIR/broker.key (mosquitto.sh copies the broker's pair to /etc/mosquitto/certs). An existing CA is reused.
set -eu
dir=$1
name=$2
umask 077
mkdir -p "$dir"
cd "$dir"
if [ ! -f ca.key ]; then
    openssl req -x509 -newkey rsa:3072 -nodes -days 3650 -subj "/CN=i5g CA" -keyout ca.key -out ca.crt 2>/dev/null
fi
openssl req -newkey rsa:3072 -nodes -subj "/CN=$name" -keyout broker.key -out broker.csr 2>/dev/null
printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nauthorityKeyIdentifier=keyid,issuer\n' "$name" > san.ext
openssl x509 -req -in broker.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 825 -extfile san.ext \
    -out broker.crt 2>/dev/null
chmod 0644 ca.crt broker.crt
rm -f broker.csr san.ext
echo "CA $dir/ca.crt, broker certificate $dir/broker.crt for $name"
