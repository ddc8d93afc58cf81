#!/bin/sh
# nginx in front of the registry, from deploy/nginx/i5g-registry.conf (docs/operations.md "Reverse proxy").
#   deploy/install/nginx.sh PUBLIC_NAME CERT KEY && nginx -t && systemctl reload nginx
#   e.g. deploy/install/nginx.sh registry.example.internal /etc/ssl/i5g/registry.crt /etc/ssl/i5g/registry.key
# CERT: the certificate chain for PUBLIC_NAME (from your CA or ACME), KEY its key (mode 0600, root). Writes
# $I5G_NGINX_DIR/sites-available/i5g-registry.conf (default /etc/nginx) and links it into sites-enabled. Use
# the same PUBLIC_NAME as I5G_PUBLIC_NAME for server-config.sh, which makes the registry trust nginx's
# forwarded client address. Ports: I5G_NGINX_HTTP_PORT (80, redirects to HTTPS), I5G_NGINX_HTTPS_PORT (443),
# I5G_REGISTRY_PORT (8000, as in server-config.sh); logs in I5G_NGINX_LOG_DIR (/var/log/nginx).
set -eu
name=$1
cert=$2
key=$3
nginx_dir=${I5G_NGINX_DIR:-/etc/nginx}
http_port=${I5G_NGINX_HTTP_PORT:-80}
https_port=${I5G_NGINX_HTTPS_PORT:-443}
registry_port=${I5G_REGISTRY_PORT:-8000}
log_dir=${I5G_NGINX_LOG_DIR:-/var/log/nginx}
example="$(dirname "$0")/../nginx/i5g-registry.conf"
# All of them go into sed expressions and nginx directives.
case $name in '' | -* | *[!A-Za-z0-9.-]*) echo "not a host name: $name" >&2; exit 2 ;; esac
for path in "$cert" "$key" "$log_dir"; do
    case $path in /*) ;; *) echo "not an absolute path: $path" >&2; exit 2 ;; esac
    case $path in *[!A-Za-z0-9._/-]*) echo "path: letters, digits, . _ - and / only: $path" >&2; exit 2 ;; esac
done
for port in "$http_port" "$https_port" "$registry_port"; do
    case $port in '' | *[!0-9]*) echo "not a port: $port" >&2; exit 2 ;; esac
done
[ -r "$cert" ] && [ -r "$key" ] || { echo "certificate or key not readable: $cert $key" >&2; exit 2; }
# The redirect carries the HTTPS port only when it is not the default.
redirect_port=""
[ "$https_port" = 443 ] || redirect_port=":$https_port"
mkdir -p "$nginx_dir/sites-available" "$nginx_dir/sites-enabled"
sed -e "s|registry\.example\.internal|$name|g" \
    -e "s|/etc/ssl/i5g/registry\.crt|$cert|" \
    -e "s|/etc/ssl/i5g/registry\.key|$key|" \
    -e "s|^\(    listen \(\[::\]:\)\{0,1\}\)80;|\1$http_port;|" \
    -e "s|^\(    listen \(\[::\]:\)\{0,1\}\)443 |\1$https_port |" \
    -e "s|return 301 https://\$host\$request_uri;|return 301 https://\$host$redirect_port\$request_uri;|" \
    -e "s|server 127\.0\.0\.1:8000;|server 127.0.0.1:$registry_port;|" \
    -e "s|/var/log/nginx/|$log_dir/|" \
    "$example" > "$nginx_dir/sites-available/i5g-registry.conf"
ln -sf ../sites-available/i5g-registry.conf "$nginx_dir/sites-enabled/i5g-registry.conf"
echo "wrote $nginx_dir/sites-available/i5g-registry.conf (https://$name$redirect_port/ -> 127.0.0.1:$registry_port); now: nginx -t && systemctl reload nginx"
