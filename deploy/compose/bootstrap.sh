#!/bin/sh
# The one-shot "bootstrap" service of docker-compose.yml's "cluster" profile, as harness/cluster.ts boots
# the local cluster: wait until HAProxy leads to the primary alone, run deploy/bootstrap.sql once (the
# latchkey role and database; skipped when the role exists, so a second `up` succeeds), give the role
# its password, and wait for the synchronous standby. Connects as the superuser (PGPASSWORD) to PGHOST.
set -eu
: "${PGHOST:?}" "${PGPASSWORD:?}" "${LATCHKEY_DB_PASSWORD:?}"
export PGUSER=postgres PGDATABASE=postgres PGCONNECT_TIMEOUT=2
sql() { psql -X -v ON_ERROR_STOP=1 -tAq "$@"; }

# HAProxy counts a server up until its checks say otherwise: several answers in a row from the primary.
in_a_row=0
tries=0
while [ "$in_a_row" -lt 4 ]; do
  if [ "$(sql -c 'SELECT NOT pg_is_in_recovery()' 2>/dev/null)" = t ]; then in_a_row=$((in_a_row + 1)); else in_a_row=0; fi
  tries=$((tries + 1))
  [ "$tries" -le 600 ] || { echo 'bootstrap: no primary behind HAProxy within 2 minutes' >&2; exit 1; }
  sleep 0.2
done

if [ "$(sql -c "SELECT count(*) FROM pg_roles WHERE rolname = 'latchkey'")" = 0 ]; then
  sql -f /etc/latchkey/bootstrap.sql
  echo 'bootstrap: latchkey role and database created'
fi
# From stdin, so psql interpolates the variable (it does not in -c) and the password is quoted as a literal.
printf '%s\n' '\getenv pw LATCHKEY_DB_PASSWORD' "ALTER ROLE latchkey PASSWORD :'pw';" | sql

tries=0
until [ "$(sql -c "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")" -gt 0 ]; do
  tries=$((tries + 1))
  [ "$tries" -le 120 ] || { echo 'bootstrap: no synchronous standby within 2 minutes' >&2; exit 1; }
  sleep 1
done
echo 'bootstrap: primary and synchronous standby ready'
