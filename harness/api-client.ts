// A small HTTP client for the parts: never throws for an HTTP status, a network error or a timeout,
// and says how long each call took.
export interface ApiResponse<T = any> {
  /** The HTTP status; 0 when no answer came (connection refused or reset, timeout). */
  status: number;
  body: T;
  /** The problem+json `code`, if the answer is one. */
  code: string | null;
  ms: number;
  timedOut: boolean;
  /** The network error's code or name when status is 0. */
  error: string | null;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Default: the client's. */
  timeoutMs?: number;
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 5000,
    /** false: each request on a connection of its own, none left open (a server being stopped waits for open ones). */
    private readonly keepAlive = true,
  ) {}

  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const started = performance.now();
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (!this.keepAlive) headers.connection = 'close';
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs),
      });
      const text = await res.text();
      let body: any = text;
      if (/json/.test(res.headers.get('content-type') ?? '') && text) {
        try {
          body = JSON.parse(text);
        } catch {
          // keep the text
        }
      }
      const code = body && typeof body === 'object' && typeof body.code === 'string' ? body.code : null;
      return { status: res.status, body, code, ms: performance.now() - started, timedOut: false, error: null };
    } catch (error) {
      const e = error as { name?: string; code?: string; cause?: { code?: string } };
      const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
      return {
        status: 0,
        body: null as T,
        code: null,
        ms: performance.now() - started,
        timedOut,
        error: timedOut ? 'timeout' : (e.cause?.code ?? e.code ?? e.name ?? 'error'),
      };
    }
  }

  get<T = any>(path: string, token?: string, timeoutMs?: number): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path, { token, timeoutMs });
  }

  post<T = any>(path: string, token: string | undefined, body: unknown = {}): Promise<ApiResponse<T>> {
    return this.request<T>('POST', path, { token, body });
  }

  patch<T = any>(path: string, token: string, body: unknown): Promise<ApiResponse<T>> {
    return this.request<T>('PATCH', path, { token, body });
  }

  delete<T = any>(path: string, token: string): Promise<ApiResponse<T>> {
    return this.request<T>('DELETE', path, { token });
  }

  /** Like request, but throws unless the status is the one expected (for seeding). */
  async expect<T = any>(status: number, method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.request<T>(method, path, options);
    if (res.status !== status) {
      throw new Error(
        `${method} ${path}: expected ${status}, got ${res.status || res.error} ${typeof res.body === 'string' ? res.body : JSON.stringify(res.body)}`,
      );
    }
    return res.body;
  }
}
