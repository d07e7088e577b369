#!/bin/sh
# PgBouncer for docker-compose.yml's "cluster" profile: renders deploy/pgbouncer/pgbouncer.ini.template
# (mounted at /etc/pgbouncer-template) with the same ${NAME} placeholders harness/cluster.ts fills in,
# writes the auth file from LATCHKEY_DB_PASSWORD, and runs PgBouncer in the foreground (it logs to
# stderr as well as to its logfile).
set -eu
: "${PRIMARY_HOST:?}" "${PRIMARY_PORT:?}" "${LISTEN_ADDR:?}" "${LISTEN_PORT:?}" "${RUN_DIR:?}" "${CONF_DIR:?}" "${AUTH_TYPE:?}"
: "${LATCHKEY_DB_PASSWORD:?}"
mkdir -p "$RUN_DIR" "$CONF_DIR"
# Only the template's own names are replaced (an explicit list), nothing else that looks like a variable.
envsubst '${PRIMARY_HOST} ${PRIMARY_PORT} ${LISTEN_ADDR} ${LISTEN_PORT} ${RUN_DIR} ${CONF_DIR} ${AUTH_TYPE}' \
  < /etc/pgbouncer-template/pgbouncer.ini.template > "$CONF_DIR/pgbouncer.ini"
# A plain-text password: PgBouncer checks the client's SCRAM login with it and logs in to PostgreSQL with it.
umask 077
printf '"latchkey" "%s"\n' "$(printf '%s' "$LATCHKEY_DB_PASSWORD" | sed 's/"/""/g')" > "$CONF_DIR/userlist.txt"
exec pgbouncer "$CONF_DIR/pgbouncer.ini"
