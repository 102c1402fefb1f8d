// A minimal browser stand-in for the RP's JSON API: one keep-alive connection from its own
// loopback address (the RP limits requests per client address), a cookie jar, and the CSRF
// token the pages send in a header. node:http directly, so the client costs little CPU.
import { Agent, request as httpRequest } from 'node:http';

export interface Response<T = unknown> {
  status: number;
  body: T;
  /** Cookies this response set (name → value; an empty value means cleared). */
  cookies: Map<string, string>;
}

const CSRF_HEADER = 'x-csrf-token';

function parseSetCookie(headers: string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const header of headers ?? []) {
    const [pair] = header.split(';');
    const eq = pair!.indexOf('=');
    if (eq > 0) out.set(pair!.slice(0, eq).trim(), decodeURIComponent(pair!.slice(eq + 1).trim()));
  }
  return out;
}

export class RpClient {
  readonly jar = new Map<string, string>();
  private csrf: string | null = null;
  private readonly agent: Agent;
  private readonly host: string;

  /** `origin` is the RP's public origin (Host header); requests go to 127.0.0.1 on its port. */
  constructor(
    readonly origin: string,
    readonly localAddress: string,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 1, localAddress });
    this.host = new URL(origin).host;
  }

  /** `cookies` override the jar for this one request (e.g. a stored ceremony cookie). */
  send<T>(method: 'GET' | 'POST', path: string, body?: unknown, cookies?: Record<string, string>): Promise<Response<T>> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const jar = new Map([...this.jar, ...Object.entries(cookies ?? {})]);
    const headers: Record<string, string> = { host: this.host, accept: 'application/json' };
    if (jar.size > 0) headers.cookie = [...jar].filter(([, v]) => v !== '').map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ');
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    if (method === 'POST' && this.csrf) headers[CSRF_HEADER] = this.csrf;
    const url = new URL(path, this.origin);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: url.port, path: url.pathname + url.search, method, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const set = parseSetCookie(res.headers['set-cookie']);
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {
              // not JSON: keep the text for the error message
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as T, cookies: set });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like `send`, keeping cookies the response sets, and failing unless it is a 200. */
  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const response = await this.send<T>(method, path, body);
    for (const [k, v] of response.cookies) this.jar.set(k, v);
    if (response.status !== 200) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** Fetch the CSRF token (and its cookie) that every later POST carries. */
  async start(): Promise<void> {
    this.csrf = (await this.call<{ token: string }>('GET', '/api/csrf')).token;
  }

  close(): void {
    this.agent.destroy();
  }
}
