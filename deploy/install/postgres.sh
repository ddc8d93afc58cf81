#!/bin/sh
# The registry's PostgreSQL role and database (owner i5g, password from $I5G_ETC/postgres-password).
#   deploy/install/postgres.sh          as root: reads the password, then runs psql as the `postgres` user
# Connects the libpq way (PGHOST, PGPORT, PGUSER; default: the local socket, as `postgres` when run by root,
# otherwise as the calling user). Re-running only resets the role's password.
set -eu
etc=${I5G_ETC:-/etc/i5g}
password=$(cat "$etc/postgres-password")  # /etc/i5g is root's: read it before dropping to `postgres`
psql() {
    if [ "$(id -u)" = 0 ]; then
        (cd / && runuser -u postgres -- psql "$@")
    else
        command psql "$@"
    fi
}
# It is spliced into a psql script: only the characters server-config.sh generates (token_urlsafe).
case $password in '' | *[!A-Za-z0-9_-]*) echo "$etc/postgres-password: use letters, digits, - and _ only" >&2; exit 2 ;; esac
# The password travels in the script on stdin, not in psql's argv (visible in ps).
psql -v ON_ERROR_STOP=1 -q -d postgres <<END
\\set password '$password'
SELECT 'CREATE ROLE i5g LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'i5g') \gexec
ALTER ROLE i5g WITH LOGIN PASSWORD :'password';
SELECT 'CREATE DATABASE i5g OWNER i5g ENCODING ''UTF8''' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'i5g') \gexec
END
echo "PostgreSQL role and database i5g ready"
