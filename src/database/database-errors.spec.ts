import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { databaseUnavailableReason } from './database-errors';
import type { PoolStats } from './pool-monitor';

const busyPool: PoolStats = { size: 10, open: 10, inUse: 10, idle: 0, waiting: 40 };
/** Every slot is a connection still trying to open: nothing has reached the server. */
const connectingPool: PoolStats = { size: 10, open: 0, inUse: 10, idle: 0, waiting: 5 };

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('databaseUnavailableReason', () => {
  it('calls a wait for a pooled connection while the pool holds live connections a busy pool', () => {
    expect(databaseUnavailableReason(new Error('timeout exceeded when trying to connect'), busyPool)).toBe('pool_exhausted');
  });

  it('calls the same wait an outage when no pooled connection ever reached the server', () => {
    expect(databaseUnavailableReason(new Error('timeout exceeded when trying to connect'), connectingPool)).toBe('unreachable');
  });

  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET')],
    ['a server shutting down', withCode('terminating connection due to administrator command', '57P01')],
    ['a connection that did not open in time', new Error('Connection terminated due to connection timeout')],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['a demoted primary (failover)', withCode('cannot execute INSERT in a read-only transaction', '25006')],
  ])('calls %s an outage, whatever the pool', (_name, error) => {
    expect(databaseUnavailableReason(error, busyPool)).toBe('unreachable');
    expect(databaseUnavailableReason(error, connectingPool)).toBe('unreachable');
  });

  it.each([
    ['a transaction whose connection TypeORM released on its error', new QueryRunnerAlreadyReleasedError()],
    ['a nested transaction on such a connection', new QueryRunnerProviderAlreadyReleasedError()],
  ])('calls %s an outage only right after a connection error, a bug otherwise', (_name, error) => {
    expect(databaseUnavailableReason(error, { ...busyPool, recentConnectionError: true })).toBe('unreachable');
    expect(databaseUnavailableReason(error, { ...busyPool, recentConnectionError: false })).toBeNull();
    expect(databaseUnavailableReason(error, busyPool)).toBeNull();
  });

  it('looks inside TypeORM errors', () => {
    const wrapped = new QueryFailedError('SELECT 1', [], withCode('the database system is shutting down', '57P03'));
    expect(databaseUnavailableReason(wrapped, busyPool)).toBe('unreachable');
  });

  it('leaves other errors alone', () => {
    expect(databaseUnavailableReason(withCode('duplicate key value violates unique constraint', '23505'), busyPool)).toBeNull();
    expect(databaseUnavailableReason(new Error('something else'), busyPool)).toBeNull();
    expect(databaseUnavailableReason('not an error', busyPool)).toBeNull();
  });
});
