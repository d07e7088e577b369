// A real unexpected failure: the client gets a generic 500, and neither the body nor the logs
// carry the message, SQL, stack or any secret of the request.
import { Controller, Get, Module } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { Public } from '../../src/auth/access.decorators';
import { bearer, expectProblem, login, PASSWORD, registerUser } from '../support/api';
import { LogCapture } from '../support/log-capture';
import { startTestApp, TestApp } from '../support/test-app';

const LEAK = "SELECT password_hash FROM users WHERE token = 'lkp_secretleak'";

@Controller('explode')
class ExplodingController {
  @Get()
  @Public()
  explode(): never {
    throw new Error(LEAK);
  }

  /** What the driver raises when PostgreSQL breaks a deadlock by rolling this transaction back. */
  @Get('deadlock')
  @Public()
  deadlock(): never {
    throw new QueryFailedError(
      LEAK,
      ['lkp_secretleak'],
      Object.assign(new Error('deadlock detected'), { code: '40P01', routine: 'DeadLockReport' }),
    );
  }
}

@Module({ controllers: [ExplodingController] })
class ExplodingModule {}

describe('errors and logs', () => {
  let t: TestApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    t = await startTestApp({ LATCHKEY_LOG_LEVEL: 'trace' }, undefined, { imports: [ExplodingModule], logDestination: logs });
  });
  afterAll(() => t.close());

  it('answers an unexpected error with a generic 500 problem', async () => {
    const res = await t.http().get('/v1/explode');
    const problem = expectProblem(res, 500, 'internal');
    expect(problem.detail).toBe('An unexpected error occurred.');
    expect(JSON.stringify(res.body)).not.toMatch(/SELECT|password_hash|lkp_|\.ts:\d+|\.js:\d+/);
  });

  it('logs the failure without its message, SQL or stack', async () => {
    await t.http().get('/v1/explode');
    expect(logs.text).toContain('unhandled error');
    expect(logs.text).not.toContain('password_hash');
    expect(logs.text).not.toContain('lkp_secretleak');
    expect(logs.text).not.toMatch(/\.ts:\d+:\d+/);
    // Nor the stack of pino-http's own error on the 500 line.
    expect(logs.text).toContain('"statusCode":500');
    expect(logs.text).not.toMatch(/"stack"|\\n\s+at /);
  });

  it('answers a transaction that PostgreSQL rolled back in a deadlock with 409 (send it again), not 500', async () => {
    const res = await t.http().get('/v1/explode/deadlock');
    const problem = expectProblem(res, 409, 'conflict');
    expect(problem.detail).toMatch(/send it again/);
    expect(JSON.stringify(res.body)).not.toMatch(/SELECT|password_hash|lkp_/);
    expect(logs.text).toContain('transaction collided with a concurrent one');
    expect(logs.text).not.toContain('lkp_secretleak');
  });

  it('never logs a token, password or hash through a whole account lifecycle at trace level', async () => {
    const user = await registerUser(t);
    const session = await login(t, user.email);
    await t.http().get('/v1/me').set(bearer(session)).expect(200);
    const named = await t
      .http()
      .post('/v1/me/tokens')
      .set(bearer(session))
      .send({ name: 'n', scopes: ['*'] })
      .expect(201);
    await t.http().post(`/v1/me/tokens/${named.body.id}/rotate`).set(bearer(session)).send({ graceSeconds: 5 }).expect(200);
    await t.http().post('/v1/auth/login').send({ email: user.email, password: 'wrong wrong wrong' }).expect(401);
    await t.http().get('/v1/me').set('Authorization', 'Token lkp_garbage').expect(401);

    expect(logs.lines.length).toBeGreaterThan(5);
    const [tokenRow] = await t.dataSource.query('SELECT token_hash FROM tokens WHERE id = $1', [named.body.id]);
    for (const secret of [
      user.personalToken,
      session,
      named.body.secret,
      PASSWORD,
      'wrong wrong wrong',
      tokenRow.token_hash,
      'lkp_garbage',
    ]) {
      expect(logs.text).not.toContain(secret);
    }
    expect(logs.text).not.toMatch(/\$argon2id\$/);
    expect(logs.text).not.toMatch(/lk[pasi]_[0-9A-Za-z]{20,}/);
  });
});
