#!/usr/bin/env bash
# Start a throwaway PostgreSQL on 127.0.0.1:${CORRIDOR_PG_PORT:-54329} and print the URL for the tests.
# Source it (`. .ci/postgres.sh`) so CORRIDOR_TEST_POSTGRES_URL is exported. PostgreSQL refuses to run as
# root, so as root the server runs as the `postgres` user.
set -euo pipefail
port=${CORRIDOR_PG_PORT:-54329}
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pgbin" ]; then
  apt-get install -y -qq postgresql >/dev/null
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
data=$(mktemp -d /tmp/corridor-pg.XXXXXX)
as_pg=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$data"
  as_pg=(runuser -u postgres --)
fi
"${as_pg[@]}" "$pgbin/initdb" -D "$data" -A trust -U postgres >/dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$data" -l "$data/log" -w \
  -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" start >/dev/null
export CORRIDOR_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL running: $CORRIDOR_TEST_POSTGRES_URL (data in $data)"
