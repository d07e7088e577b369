// The conformance check that every test app runs at close (test/support/conformance.ts) must be able to
// fail: fed answers that break the document, it names each break; fed the real thing, it says nothing.
import { buildOpenApiDocument } from '../../src/openapi/openapi-document';
import type { OpenAPIObject } from '@nestjs/swagger';
import { bearer, registerUser } from '../support/api';
import { type Answer, violationsOf } from '../support/conformance';
import { startTestApp, TestApp } from '../support/test-app';

describe('conformance check', () => {
  let t: TestApp;
  let document: OpenAPIObject;
  let whoami: Answer;

  beforeAll(async () => {
    t = await startTestApp();
    document = buildOpenApiDocument(t.app);
    const user = await registerUser(t);
    const res = await t.http().get('/v1/whoami').set(bearer(user.personalToken)).expect(200);
    whoami = {
      method: 'get',
      route: '/v1/whoami',
      status: 200,
      contentType: String(res.headers['content-type']),
      headers: res.headers,
      body: res.text,
    };
  });
  afterAll(() => t.close());

  const problems = (answer: Partial<Answer>) => violationsOf(document, [{ ...whoami, ...answer }]).map((v) => v.problem);

  it('finds nothing wrong with a real answer', () => {
    expect(problems({})).toEqual([]);
  });

  it('refuses a field the schema does not name, and a field of the wrong type', () => {
    const body = JSON.parse(whoami.body as string);
    expect(problems({ body: JSON.stringify({ ...body, secret: 'x' }) })).toEqual([
      expect.stringMatching(/additional properties \(secret\)/),
    ]);
    expect(problems({ body: JSON.stringify({ ...body, type: 42 }) })).toEqual([expect.stringMatching(/body does not match/)]);
  });

  it('refuses a status the operation does not declare, and a media type it does not', () => {
    expect(problems({ status: 418 })).toEqual(['status not declared']);
    expect(problems({ contentType: 'text/html; charset=utf-8' })).toEqual([expect.stringMatching(/media type text\/html not declared/)]);
  });

  it('refuses a problem answer without the headers the document requires', () => {
    const headers = { ...whoami.headers, 'www-authenticate': undefined, 'x-request-id': undefined };
    const body = JSON.stringify({
      type: 'https://latchkey.dev/problems/token-invalid',
      title: 'Invalid token',
      status: 401,
      detail: 'x',
      code: 'token_invalid',
      requestId: 'r',
    });
    expect(problems({ status: 401, contentType: 'application/problem+json', headers, body }).sort()).toEqual([
      'required header WWW-Authenticate missing',
      'required header X-Request-Id missing',
    ]);
  });

  it('skips what is not an operation of the document', () => {
    expect(problems({ route: '/assets/*', status: 418 })).toEqual([]);
  });
});
