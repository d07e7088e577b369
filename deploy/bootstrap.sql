-- Run once on the primary after the cluster is up (harness/cluster.ts does): Latchkey's own role and
-- database. Behind PgBouncer Latchkey sends no startup parameters (LATCHKEY_DB_STATEMENT_TIMEOUT_MS=0),
-- so the role carries what it would send.
CREATE ROLE latchkey LOGIN;
ALTER ROLE latchkey SET statement_timeout = '15s';
-- What Latchkey otherwise sends at connect (src/database/database.ts): its statements gain nothing from JIT.
ALTER ROLE latchkey SET jit = off;
CREATE DATABASE latchkey OWNER latchkey;
