// Independent review of the audit filters and export: times the validator lets through but no clock
// can read (ISO week dates, ordinal dates, basic format, hour-only, decimal commas) must be a 400,
// never a 500; ranges at the ends of time must answer, not break.
import { codes, gql } from '../graphql/gql';
import { bearer, expectProblem } from '../support/api';
import { newWorkspace, WorkspaceFixture } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

let t: TestApp;
let ws: WorkspaceFixture;

beforeAll(async () => {
  t = await startTestApp();
  ws = await newWorkspace(t);
});
afterAll(() => t?.close());

const paths = () => [`/v1/workspaces/${ws.id}/audit-events`, `/v1/workspaces/${ws.id}/audit-events/export`, '/v1/me/audit-events'];

describe('review: audit time filters', () => {
  it.each(['2026-W48', '2026-W48-2', '2026-335', '20261201', '20261201T000000Z', '2026-12-01T00Z', '2026-12-01T00:00:00,5Z'])(
    'refuses %s, which no clock reads, with 400 on every audit route',
    async (time) => {
      for (const path of paths()) {
        for (const name of ['from', 'to']) {
          const res = await t
            .http()
            .get(`${path}?${name}=${encodeURIComponent(time)}`)
            .set(bearer(ws.owner.personalToken));
          if (res.status !== 400) throw new Error(`${path}?${name}=${time} answered ${res.status}`);
          expectProblem(res, 400, 'validation_failed');
        }
      }
    },
  );

  it('answers ranges at the ends of time and inverted ranges with 200 (nothing matches), never 500', async () => {
    for (const query of [
      'from=1970-01-01&to=9999-12-31T23:59:59Z',
      'from=9999-12-31&to=1970-01-01',
      'from=2026-12&to=2026',
      'from=2026-12-01T00:00:00.123456789Z',
      'from=2026-12-01T00:00:00%2B14:00',
    ]) {
      for (const path of paths()) {
        const res = await t.http().get(`${path}?${query}`).set(bearer(ws.owner.personalToken));
        if (res.status !== 200) throw new Error(`${path}?${query} answered ${res.status}`);
      }
    }
  });

  it('GraphQL takes the same filters: an unreadable time is a validation error, not an internal one', async () => {
    for (const time of ['2026-W48', '2026-12-01T00Z']) {
      const res = await gql(t, ws.owner.personalToken, 'query($f: String) { auditEvents(from: $f) { items { id } } }', { f: time });
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
    }
  });
});
