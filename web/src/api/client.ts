// Latchkey's JSON API as a typed client: openapi-fetch over the types generated from openapi.json
// (schema.d.ts), with the bearer token in and the answer's body, or an ApiError carrying its
// problem+json, out.
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import { retryAfterSeconds } from './retry-after';
import type { components, paths } from './schema';

type ServerProblem = components['schemas']['Problem'];

/**
 * RFC 9457 problem details: the server's, or one made here when there is none to read (the network
 * failed, a proxy answered), which has a title and a status only for certain.
 */
export type Problem = Pick<ServerProblem, 'title' | 'status'> &
  Partial<Omit<ServerProblem, 'title' | 'status'>> & {
    /** From the answer's Retry-After header (a 429, a locked-out sign-in): how long to wait, in seconds. */
    retryAfterSeconds?: number;
  };

export type FieldProblem = NonNullable<ServerProblem['errors']>[number];

/** An answer other than 2xx, carried as its problem+json body. */
export class ApiError extends Error {
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
    this.problem = problem;
  }

  get status(): number {
    return this.problem.status;
  }

  get code(): string | undefined {
    return this.problem.code;
  }

  get fieldErrors(): FieldProblem[] {
    return this.problem.errors ?? [];
  }
}

export interface ClientOptions {
  /** The bearer token to send, read on every request. */
  token: () => string | null;
  /** Called when a request made with a token answers 401: the session is over. */
  onUnauthorized?: () => void;
}

/** The typed client twice: with the bearer token, and without it (sign-up, sign-in, the public catalog). */
export interface ApiClient {
  signedIn: Client<paths>;
  anonymous: Client<paths>;
}

export function createApiClient(options: ClientOptions): ApiClient {
  return { signedIn: typedClient(unreachable, bearer(options)), anonymous: typedClient(unreachable) };
}

function typedClient(...middleware: Middleware[]): Client<paths> {
  const client = createClient<paths>({
    baseUrl: '',
    headers: { Accept: 'application/json' },
    credentials: 'omit',
    cache: 'no-store',
  });
  client.use(...middleware);
  return client;
}

function bearer({ token, onUnauthorized }: ClientOptions): Middleware {
  return {
    onRequest({ request }) {
      const secret = token();
      if (secret) request.headers.set('Authorization', `Bearer ${secret}`);
    },
    onResponse({ request, response }) {
      if (response.status === 401 && request.headers.has('Authorization')) onUnauthorized?.();
    },
  };
}

/** fetch() itself failed: no answer at all. */
const unreachable: Middleware = {
  onError: () =>
    new ApiError({
      title: 'Network error',
      status: 0,
      detail: 'Latchkey could not be reached. Check your connection and try again.',
    }),
};

/** What openapi-fetch resolves with: `{ data, response }` for a 2xx, `{ error, response }` otherwise. */
type Outcome = { data?: unknown; error?: unknown; response: Response };

/** The 2xx member's body type: the operation's success schema, undefined for a 204. */
type Answered<O> = O extends { data: infer Body; error?: never } ? Body : never;

/** The 2xx answer's body (undefined for 204); for any other status an ApiError with its problem. */
export function answer<O extends Outcome>(call: Promise<O>): Promise<Answered<O>>;
// openapi-fetch puts `error` in the outcome exactly when the status is not 2xx, which is what
// Answered<O> reads off its type: the overload states it, as the union itself cannot be narrowed here.
export async function answer(call: Promise<Outcome>): Promise<unknown> {
  const outcome = await call;
  if (!('error' in outcome)) return outcome.data;
  const { error, response } = outcome;
  // Typed as the document's Problem, but a proxy in front of Latchkey may answer with anything.
  const problem: Problem = isProblem(error)
    ? { ...error }
    : { title: response.statusText || 'Error', status: response.status, detail: `The server answered ${response.status}.` };
  const retryAfter = retryAfterSeconds(response.headers.get('Retry-After'));
  if (retryAfter !== undefined) problem.retryAfterSeconds = retryAfter;
  throw new ApiError(problem);
}

function isProblem(value: unknown): value is Problem {
  return (
    typeof value === 'object' &&
    value !== null &&
    'status' in value &&
    typeof value.status === 'number' &&
    'title' in value &&
    typeof value.title === 'string'
  );
}

/** Any thrown value as a problem to show. */
export function toProblem(error: unknown): Problem {
  if (error instanceof ApiError) return error.problem;
  return { title: 'Something went wrong', status: 0, detail: error instanceof Error ? error.message : String(error) };
}
