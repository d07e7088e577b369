// What the health probes answer.
import { ApiProperty } from '@nestjs/swagger';
import type { ChannelState } from '../cache/invalidation';
import type { Database } from '../database/database';

type PoolState = Awaited<ReturnType<Database['check']>>;
/** What Database.check() tells, checked against it: a state added there does not compile here until it is listed. */
const POOL_STATES = Object.keys({ ok: 0, busy: 0 } satisfies Record<PoolState, 0>) as PoolState[];
const CHANNEL_STATES = Object.keys({ listening: 0, lost: 0, local: 0, off: 0 } satisfies Record<ChannelState, 0>) as ChannelState[];

export class LivenessView {
  @ApiProperty({ enum: ['ok'] })
  status: 'ok';
}

export class ReadinessView {
  @ApiProperty({ enum: ['ok'] })
  status: 'ok';

  @ApiProperty({ enum: ['up'], description: 'The database answered; when it does not, the probe answers 503' })
  database: 'up';

  @ApiProperty({ enum: POOL_STATES, description: 'busy: every pooled connection is taken (the instance stays ready)' })
  pool: PoolState;

  @ApiProperty({
    enum: CHANNEL_STATES,
    description:
      "The cache invalidation channel. listening: other instances' changes arrive (LISTEN); lost: they cannot, so the caches are bypassed until it is back (the instance stays ready); local: one process on the embedded database; off: caches off",
  })
  invalidation: ChannelState;
}
