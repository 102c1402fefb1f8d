// A site profile: where a site's sign-up, sign-in and 2FA pages are, which selectors to fill
// and click, and how to tell success from failure. The site itself is a black box: nothing here
// describes its internals, only what a person sees and does.
//
// Values of `fields` are templates: {username}, {email}, {password}, {totp}, {backupCode},
// {keyName} and {random} are replaced by the check's values at the moment the form is filled.
import { Type, type Static } from '@sinclair/typebox';

const Selector = Type.String({ minLength: 1, description: 'CSS selector' });
const Pattern = Type.String({ description: 'regular expression (JavaScript syntax, case-insensitive), may hold {templates}' });
const Path = Type.String({ minLength: 1, description: 'a path on the site (/signin) or an absolute URL' });

/**
 * The site's own answer to a request the page made (fetch or XMLHttpRequest) after the form's
 * button was pressed: for sites that show results only in a fleeting toast, or not at all.
 */
export const ResponseMarker = Type.Object(
  {
    /** Pattern on the request's URL (e.g. `/api/webauthn/verify`). */
    url: Pattern,
    /** The HTTP status it must have (default: any 2xx). */
    status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
    /** Pattern on the response body (JSON as the site sent it, e.g. `"verified":\s*true`). */
    body: Type.Optional(Pattern),
  },
  { additionalProperties: false },
);

/**
 * Something that says a step succeeded: the page is at `url` (prefix match), and/or the first
 * match of `selector` shows text matching `text` (or, without `text`, is visible), and/or the
 * page's request matching `response` got that answer. All given parts must hold.
 */
export const Marker = Type.Object(
  {
    url: Type.Optional(Path),
    selector: Type.Optional(Selector),
    text: Type.Optional(Pattern),
    response: Type.Optional(ResponseMarker),
  },
  { additionalProperties: false },
);

/**
 * One form or button a person uses: open `url`, click `click` in order, click each of
 * `clickIfShown` that is visible, choose `select` and fill `fields` (selector → value template),
 * press `submit`, then wait for `success` (or the status line's failure).
 */
export const Form = Type.Object(
  {
    url: Type.Optional(Path),
    click: Type.Optional(Type.Array(Selector)),
    clickIfShown: Type.Optional(Type.Array(Selector)),
    fields: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.String())),
    select: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.String())),
    submit: Type.Optional(Selector),
    success: Type.Optional(Marker),
  },
  { additionalProperties: false },
);

/**
 * A secret: the value itself (in an accounts file, which is not committed), or the name of the
 * environment variable holding it (a CI secret). Secrets are never printed in reports.
 */
export const Secret = Type.Union([
  Type.String({ minLength: 1 }),
  Type.Object({ env: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }) }, { additionalProperties: false }),
]);

/** The states an account handed to the harness can be in (see GivenAccount). */
export const GIVEN_ACCOUNT_STATES = ['password-only', 'totp-enrolled'] as const;

/**
 * An existing account the checks use instead of signing up (a staging site with seeded accounts):
 * `password-only` signs in with the password alone (no second factor yet); `totp-enrolled` has
 * an authenticator app whose secret is given. Checks change the accounts they use (add keys,
 * enrol apps, lock them out): give accounts from a database that is re-seeded between runs.
 */
export const GivenAccount = Type.Object(
  {
    username: Type.String({ minLength: 1 }),
    /** The account's address, for mailbox lookups (default: the username when it has an @). */
    email: Type.Optional(Type.String({ minLength: 3 })),
    password: Secret,
    state: Type.Union(GIVEN_ACCOUNT_STATES.map((s) => Type.Literal(s))),
    /** The authenticator app's secret (base32) or otpauth:// URI; required for `totp-enrolled`. */
    totpSecret: Type.Optional(Secret),
  },
  { additionalProperties: false },
);

/**
 * A mailbox API where the site's emails to test accounts can be read: `mailpit` (Mailpit's HTTP
 * API at `url`: /api/v1/search?query=to:…, /api/v1/message/{ID}), or `json`: a URL (template,
 * e.g. `/dev/outbox/messages?to={email}`) answering a JSON list of messages, its fields named by
 * dotted paths.
 */
export const Mailbox = Type.Object(
  {
    kind: Type.Union([Type.Literal('mailpit'), Type.Literal('json')]),
    url: Path,
    /** json: the dotted path of the message array in the answer (default `messages`; `.` for the answer itself). */
    list: Type.Optional(Type.String({ minLength: 1 })),
    /** json: dotted paths in each message (defaults `id`, `to`, `body`). */
    id: Type.Optional(Type.String({ minLength: 1 })),
    to: Type.Optional(Type.String({ minLength: 1 })),
    body: Type.Optional(Type.String({ minLength: 1 })),
    /** Request headers, e.g. Authorization for a mailbox behind basic auth (values are secrets). */
    headers: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Secret)),
  },
  { additionalProperties: false },
);

export const ProfileSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    /** The site's base URL; `--site` overrides it. */
    site: Type.Optional(Type.String({ minLength: 1 })),
    /** Seconds to wait for a step's outcome (default 20). */
    timeoutSeconds: Type.Optional(Type.Number({ minimum: 1, maximum: 600 })),
    /** Where the site writes results and errors. */
    status: Type.Object(
      {
        selector: Selector,
        /** Text of a failed step (an error, a refusal). */
        failure: Pattern,
        /**
         * Also a failed step: this selector matches while the status element shows text (for
         * sites that show errors as plain sentences and mark them, e.g. `[data-error]`).
         */
        failureSelector: Type.Optional(Selector),
        /** Text that says the account or client is locked out or throttled. */
        lockout: Type.Optional(Pattern),
      },
      { additionalProperties: false },
    ),
    /** How test accounts are named; each check creates its own. */
    account: Type.Optional(
      Type.Object(
        {
          username: Type.Optional(Type.String({ minLength: 1 })),
          email: Type.Optional(Type.String({ minLength: 1 })),
          password: Type.Optional(Type.String({ minLength: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * Existing accounts to use instead of signing up (also `--accounts FILE` or
     * PAIRKEY_QA_ACCOUNTS); each check takes one in the state it needs, or is skipped.
     */
    accounts: Type.Optional(Type.Array(GivenAccount, { minItems: 1 })),
    /** Where the site's emails (links, codes) are read: a mailbox API. */
    mailbox: Type.Optional(Mailbox),
    /** Seen on every page once signed in; the default `success` of sign-in forms. */
    signedIn: Marker,
    /** Create an account (and sign in). A passkey-only site has `passkey.signUp` instead. */
    signUp: Type.Optional(Form),
    /** Confirming the email address through a test mailbox, when the site requires it. */
    verifyEmail: Type.Optional(
      Type.Object(
        {
          /**
           * A URL (template) whose body lists the account's emails; links in it are followed.
           * Without it, the profile's `mailbox` is read.
           */
          outbox: Type.Optional(Path),
          /** Which link to open (pattern on the URL). */
          link: Pattern,
          success: Marker,
        },
        { additionalProperties: false },
      ),
    ),
    /** Password sign-in; absent on a passkey-only site (the checks that need it are skipped). */
    signIn: Type.Optional(
      Type.Object(
        {
          password: Type.Optional(Form),
          /** Shown after the password when the account has 2FA. */
          secondFactor: Type.Optional(Marker),
        },
        { additionalProperties: false },
      ),
    ),
    signOut: Form,
    /** The 2FA settings page. */
    settings: Type.Optional(
      Type.Object(
        {
          url: Path,
          /** Shown on the settings page while 2FA is on. */
          twoFactorOn: Type.Optional(Marker),
        },
        { additionalProperties: false },
      ),
    ),
    securityKey: Type.Optional(
      Type.Object({ add: Type.Optional(Form), signIn: Type.Optional(Form) }, { additionalProperties: false }),
    ),
    passkey: Type.Optional(
      Type.Object(
        {
          add: Type.Optional(Form),
          signIn: Type.Optional(Form),
          /** Passkey-only sites: create an account by registering a passkey (no password anywhere). */
          signUp: Type.Optional(Form),
        },
        { additionalProperties: false },
      ),
    ),
    totp: Type.Optional(
      Type.Object(
        {
          enrol: Type.Optional(
            Type.Object(
              {
                start: Form,
                /** The QR code image (img or canvas) of the otpauth:// URI. */
                qr: Selector,
                /** The secret shown for manual entry, when the site shows it. */
                secret: Type.Optional(Selector),
                confirm: Form,
              },
              { additionalProperties: false },
            ),
          ),
          signIn: Type.Optional(Form),
          /** Time steps of clock drift the site accepts (default 1): with 0, checks wait for the next step. */
          driftSteps: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
        },
        { additionalProperties: false },
      ),
    ),
    backupCodes: Type.Optional(
      Type.Object(
        {
          /** The codes shown when 2FA is turned on or codes are regenerated: each match is a code. */
          list: Selector,
          /** Closes the list after reading it, when the site needs that. */
          dismiss: Type.Optional(Selector),
          signIn: Type.Optional(Form),
          regenerate: Type.Optional(Form),
        },
        { additionalProperties: false },
      ),
    ),
    disable2fa: Type.Optional(Form),
    /**
     * Recovery by email: `request` asks for a reset (a `{username}` / `{email}` form), the email
     * read from `mailbox` holds a link or a code matching `email` (its first group, if any, else
     * the whole match); a link is opened, a code is `{emailCode}`; `complete` sets
     * `{newPassword}` (its `url`, if any, is opened for a code).
     */
    passwordReset: Type.Optional(
      Type.Object(
        {
          request: Form,
          email: Pattern,
          complete: Form,
        },
        { additionalProperties: false },
      ),
    ),
    bruteForce: Type.Optional(
      Type.Object(
        {
          /** Wrong guesses the check makes before concluding nothing limits them (default 10). */
          maxAttempts: Type.Integer({ minimum: 1, maximum: 100 }),
        },
        { additionalProperties: false },
      ),
    ),
    webauthn: Type.Optional(
      Type.Object(
        {
          /** How long the site's WebAuthn challenges live; the expiry check waits a little longer. */
          challengeTimeoutSeconds: Type.Optional(Type.Number({ minimum: 1, maximum: 3600 })),
          /**
           * Another origin within the site's RP ID (e.g. https://status.example.com for RP ID
           * example.com) where the origin check acts as a phishing relay. Sites on localhost get
           * one served by the CLI.
           */
          siblingOrigin: Type.Optional(Type.String({ minLength: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type MarkerSpec = Static<typeof Marker>;
export type FormSpec = Static<typeof Form>;
export type Profile = Static<typeof ProfileSchema>;
export type SecretSpec = Static<typeof Secret>;
export type GivenAccountSpec = Static<typeof GivenAccount>;
export type GivenAccountState = (typeof GIVEN_ACCOUNT_STATES)[number];
export type MailboxSpec = Static<typeof Mailbox>;
