// A transaction that PostgreSQL rolled back because it collided with a concurrent one (a deadlock or a
// serialization failure) wrote nothing, and PostgreSQL's advice is to run it again. Changes hold their
// caller's rows to their end (CallerHold), so two changes that each hold a token the other then updates
// (one token deleting two workspaces it names, two admins cutting off each other's token) can collide;
// run again, the second sees the first's outcome and is judged on it. Only the transaction's own work is
// repeated: everything in `work` must be writes in `em`, or safe to repeat (cache evictions).
import { DataSource, EntityManager } from 'typeorm';
import { isTransactionCollision } from './database-errors';

/** Runs in all, the first included; past them the collision is answered (409, "send it again"). */
const ATTEMPTS_ON_COLLISION = 3;

export async function transactionRetryingCollisions<T>(dataSource: DataSource, work: (em: EntityManager) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.transaction(work);
    } catch (error) {
      if (attempt >= ATTEMPTS_ON_COLLISION || !isTransactionCollision(error)) throw error;
    }
  }
}
