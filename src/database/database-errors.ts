// Classifies driver errors so the API can answer 503 for an outage or a busy pool, and 409 for a uniqueness race.
import { types } from 'node:util';
import type { PoolStats } from './pool-monitor';

const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
// PostgreSQL SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown, cannot connect now).
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-4]|53300|25006)$/;
// A connection that could not open in time fails with "Connection terminated due to connection timeout".
const UNAVAILABLE_MESSAGES =
  /Connection terminated|Client has encountered a connection error|Connection is not established|Cannot use a pool after calling end/i;
// TypeORM releases a query runner whose connection reported an error (PostgresQueryRunner's 'error'
// listener): the next statement of that transaction, or a nested transaction() on it, then fails with one
// of these instead of the connection error, as seen when the primary was killed (reliability/cluster.ts).
// The same errors come from a bug (a transaction's manager used after it ended) with the database up:
// only a connection error seen just before makes them an outage (databaseUnavailableReason).
const RELEASED_RUNNER_ERRORS = new Set(['QueryRunnerAlreadyReleasedError', 'QueryRunnerProviderAlreadyReleasedError']);
// pg-pool's words when a query waited its whole connectionTimeoutMillis in the queue for a pooled connection.
const ACQUIRE_TIMEOUT_MESSAGE = 'timeout exceeded when trying to connect';

/** Why the database could not serve a request: the server cannot be reached, or every pooled connection stayed busy. */
export type DatabaseUnavailableReason = 'unreachable' | 'pool_exhausted';

/**
 * An Error from any realm: `instanceof Error` misses the errors Node's own modules raise (ECONNREFUSED)
 * when the code runs in another context, as under jest.
 */
export function isError(error: unknown): error is Error {
  return error instanceof Error || types.isNativeError(error);
}

/** The server is gone or refuses us (a pool acquire timeout is not this: see databaseUnavailableReason). */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!isError(error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_NODE_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
  const driverError = (error as { driverError?: unknown }).driverError;
  if (driverError && driverError !== error && isDatabaseUnavailable(driverError)) return true;
  return UNAVAILABLE_MESSAGES.test(error.message);
}

/** A query waited for a pooled connection until the pool's timeout. */
export function isPoolAcquireTimeout(error: unknown): boolean {
  if (!isError(error)) return false;
  if (error.message === ACQUIRE_TIMEOUT_MESSAGE) return true;
  const driverError = (error as { driverError?: unknown }).driverError;
  return driverError !== undefined && driverError !== error && isPoolAcquireTimeout(driverError);
}

/**
 * An acquire timeout means the pool was busy only while it holds connections that reached the server:
 * if every slot is still trying to connect, the server is what is missing. null: not an availability error.
 */
export function databaseUnavailableReason(error: unknown, pool: PoolStats): DatabaseUnavailableReason | null {
  if (isPoolAcquireTimeout(error)) return pool.open > 0 ? 'pool_exhausted' : 'unreachable';
  if (isError(error) && RELEASED_RUNNER_ERRORS.has(error.constructor?.name)) return pool.recentConnectionError ? 'unreachable' : null;
  return isDatabaseUnavailable(error) ? 'unreachable' : null;
}

/** A unique index refused a row; `constraint` narrows it to one index when given. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (!isError(error)) return false;
  const e = error as { constraint?: unknown; driverError?: { constraint?: unknown } };
  const name = e.constraint ?? e.driverError?.constraint;
  return sqlState(error) === '23505' && (constraint === undefined || name === constraint);
}

/**
 * PostgreSQL rolled the transaction back because it collided with a concurrent one: a deadlock
 * (40P01) or a serialization failure (40001). Nothing of it was written; the same request may succeed
 * when sent again.
 */
export function isTransactionCollision(error: unknown): boolean {
  if (!isError(error)) return false;
  const code = sqlState(error);
  return code === '40P01' || code === '40001';
}

/** The SQLSTATE of a driver error, or of the one TypeORM wrapped (QueryFailedError.driverError). */
function sqlState(error: Error): unknown {
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  return e.code ?? e.driverError?.code;
}
