-- Run once on the primary after the cluster is up (harness/cluster.ts does): Latchkey's own role and
-- database. Behind PgBouncer Latchkey sends no statement_timeout (LATCHKEY_DB_STATEMENT_TIMEOUT_MS=0),
-- so the role carries it.
CREATE ROLE latchkey LOGIN;
ALTER ROLE latchkey SET statement_timeout = '15s';
CREATE DATABASE latchkey OWNER latchkey;
