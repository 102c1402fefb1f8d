// Errors a route throws to answer with a status: the RP's error handler turns them into
// `{ error, code?, ...details }` bodies (and headers such as Retry-After).

/** Machine-readable reasons the pages (and QA tools) branch on. */
export type ErrorCode =
  | 'not-signed-in'
  | 'two-factor-required'
  | 'account-locked'
  | 'wrong-password'
  | 'wrong-code'
  | 'code-reused'
  | 'email-unverified'
  | 'reauth-required'
  | 'rate-limited';

export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: ErrorCode | undefined;
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    statusCode: number,
    message: string,
    options: { code?: ErrorCode; details?: HttpError['details']; headers?: HttpError['headers'] } = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = options.code;
    this.details = options.details ?? {};
    this.headers = options.headers ?? {};
  }
}

export const badRequest = (message: string): HttpError => new HttpError(400, message);
export const notFound = (message: string): HttpError => new HttpError(404, message);
export const conflict = (message: string): HttpError => new HttpError(409, message);
export const forbidden = (message: string, code?: ErrorCode): HttpError => new HttpError(403, message, code ? { code } : {});

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The refusals of the secret checks, worded the same wherever a secret is checked. */
export const refusals = {
  signinPassword: (): HttpError => new HttpError(401, 'Wrong username or password', { code: 'wrong-password' }),
  password: (): HttpError => new HttpError(401, 'Wrong password', { code: 'wrong-password' }),
  code: (reason: 'wrong' | 'reused'): HttpError =>
    reason === 'reused'
      ? new HttpError(401, 'This code was already used; wait for the next one', { code: 'code-reused' })
      : new HttpError(401, 'Wrong code', { code: 'wrong-code' }),
  backupCode: (): HttpError => new HttpError(401, 'Wrong or already used backup code', { code: 'wrong-code' }),
};
