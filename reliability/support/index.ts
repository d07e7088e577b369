// What the reliability parts share.
export { ApiClient, ApiResponse, RequestOptions } from './api-client';
export { onExit } from './cleanup';
export { DatabaseKind, DatabaseTarget, freshDatabase, Sql, startLatchkey } from './fresh-database';
export { canUsePidNamespace, LatchkeyOptions, LatchkeyProcess } from './latchkey-process';
export { freePort } from './ports';
export { PostgresCluster, StopMode } from './postgres-cluster';
export { ApiUser, Owner, SEED_PASSWORD, seedApiUser, seedOwner } from './seed';
export { ms, percentile, sleep } from './stats';
