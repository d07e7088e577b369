// Names people read: slugs made from any name, and names that show nothing refused for every name field.
import { bearer, createNamedToken, expectProblem, registerUser, uniqueEmail, PASSWORD } from '../support/api';
import { newWorkspace } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const INVISIBLE = ['\u200b', '\u200b\u200c\u200d', '\ufeff', '\u2060', '\ufe0f', '\u{e0100}', ' \u3164 ', '\u202e\u200f', '\u00ad'];

describe('slugs', () => {
  it('"Ünïcödé 🚀 Labs" becomes unicode-labs', async () => {
    const owner = await registerUser(t);
    const res = await t.http().post('/v1/workspaces').set(bearer(owner.personalToken)).send({ name: 'Ünïcödé 🚀 Labs' }).expect(201);
    expect(res.body.slug).toMatch(/^unicode-labs(-[0-9a-f]{6})?$/);
    expect(res.body.name).toBe('Ünïcödé 🚀 Labs');
  });

  it('a name with nothing to make a slug of gets "workspace"', async () => {
    const owner = await registerUser(t);
    const res = await t.http().post('/v1/workspaces').set(bearer(owner.personalToken)).send({ name: '🚀🚀' }).expect(201);
    expect(res.body.slug).toMatch(/^workspace(-[0-9a-f]{6})?$/);
  });
});

/** One attempt to set `name` on every name field there is. */
async function setEveryName(name: string) {
  const ws = await newWorkspace(t);
  const owner = ws.owner.personalToken;
  const bot = await ws.apiUser({ roles: ['viewer'] });
  return Promise.all([
    t.http().post('/v1/workspaces').set(bearer(owner)).send({ name }),
    t.http().patch(`/v1/workspaces/${ws.id}`).set(bearer(owner)).send({ name }),
    t
      .http()
      .post(`/v1/workspaces/${ws.id}/roles`)
      .set(bearer(owner))
      .send({ name, permissions: ['devices:read'] }),
    t.http().post(`/v1/workspaces/${ws.id}/devices`).set(bearer(owner)).send({ name, serial: 'SN-1' }),
    t
      .http()
      .post(`/v1/workspaces/${ws.id}/api-users`)
      .set(bearer(owner))
      .send({ name, roleIds: [ws.roles.viewer], deviceAccess: { mode: 'all' } }),
    t.http().patch(`/v1/workspaces/${ws.id}/api-users/${bot.id}`).set(bearer(owner)).send({ name }),
    t.http().post(`/v1/workspaces/${ws.id}/api-users/${bot.id}/tokens`).set(bearer(owner)).send({ name }),
    t
      .http()
      .post('/v1/me/tokens')
      .set(bearer(owner))
      .send({ name, scopes: ['*'] }),
    t.http().patch('/v1/me').set(bearer(owner)).send({ name }),
    t.http().post('/v1/auth/register').send({ email: uniqueEmail(), password: PASSWORD, name }),
  ]);
}

describe('names that show nothing', () => {
  it.each(INVISIBLE.map((name) => [JSON.stringify(name), name]))(
    '%s is refused for every name field, with a clear message',
    async (_label, name) => {
      for (const res of await setEveryName(name)) {
        expectProblem(res, 400, 'validation_failed');
        // A bidi override among them is refused for that as well (below), after this message.
        expect(res.body.errors[0]).toEqual({ field: 'name', message: expect.stringMatching(/visible character/) });
        expect(res.body.errors.every((e: { field: string }) => e.field === 'name')).toBe(true);
      }
    },
  );

  it('a visible name with invisible characters inside is kept', async () => {
    const owner = await registerUser(t);
    const named = await createNamedToken(t, owner.personalToken, { name: 'CI\u200bdeploy', scopes: ['*'] });
    expect(named.body.name).toBe('CI\u200bdeploy');
  });
});

describe('review 7a F3: names with bidirectional embedding, override or isolate controls', () => {
  // "Payroll \u202efdp.exe" reads "Payroll exe.pdf", in a mail subject too.
  const CONTROLS = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];

  it.each(CONTROLS.map((control) => [`U+${control.codePointAt(0)?.toString(16).toUpperCase()}`, control]))(
    'a name holding %s is refused for every name field, saying why',
    async (_label, control) => {
      for (const res of await setEveryName(`Payroll ${control}fdp.exe`)) {
        expectProblem(res, 400, 'validation_failed');
        expect(res.body.errors).toEqual([{ field: 'name', message: expect.stringMatching(/must not contain bidirectional/) }]);
      }
    },
  );

  it('the marks and joiners that shape a name are kept (LRM, RLM, ZWJ)', async () => {
    const owner = await registerUser(t);
    for (const name of ['\u05e9\u05dc\u05d5\u05dd\u200f (Tel Aviv)', 'Team \u200eA', 'Family \u{1f468}\u200d\u{1f469}\u200d\u{1f467}']) {
      const res = await t.http().post('/v1/workspaces').set(bearer(owner.personalToken)).send({ name }).expect(201);
      expect(res.body.name).toBe(name);
    }
  });
});
