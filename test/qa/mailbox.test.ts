// Reading emails from a mailbox API (issue 17): the bundled relying party's real outbox (the
// `json` shape) and a small local server answering in Mailpit's HTTP API shape (Mailpit itself is
// not installable here: neither Debian nor npm ships it). Only mail sent after the watch began is
// read, to the watched address, and the code or link is taken by the profile's pattern.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { PASSWORD } from '../../harness-server/testing/rp-flows.ts';
import { TestBrowser } from '../../harness-server/testing/servers.ts';
import { linkMatching } from '../../qa/checks/support/account.ts';
import { rmSync } from 'node:fs';
import { linkShape } from '../../qa/mailbox/link-shape.ts';
import { MailboxError, mailboxUrlProblem, openMailbox } from '../../qa/mailbox/mailbox.ts';
import { loadProfile } from '../../qa/profile/load.ts';
import { extract, matching, watchMailbox } from '../../qa/mailbox/wait.ts';
import { startRp, tempDir, writeProfile, type Rp } from './cli-harness.ts';

interface Stored {
  ID: string;
  To: { Name: string; Address: string }[];
  Subject: string;
  Text: string;
  HTML: string;
}

/** A Mailpit-shaped API: search by to:"address" (newest first) and one message by ID; basic auth. */
async function startMailpitShaped(): Promise<{ url: string; deliver(to: string, text: string, html?: string): void; requests: string[]; app: FastifyInstance }> {
  const messages: Stored[] = [];
  const requests: string[] = [];
  const app = Fastify();
  const authorised = (header: string | undefined) => header === `Basic ${Buffer.from('qa:mail-secret').toString('base64')}`;
  app.get('/api/v1/search', async (request, reply) => {
    requests.push(request.url);
    if (!authorised(request.headers.authorization)) return reply.code(401).send('unauthorised');
    const query = (request.query as { query?: string }).query ?? '';
    const to = /^to:"([^"]+)"$/.exec(query)?.[1]?.toLowerCase();
    const found = messages.filter((m) => !to || m.To.some((r) => r.Address.toLowerCase() === to)).reverse();
    return { total: messages.length, unread: found.length, count: found.length, messages_count: found.length, start: 0, tags: [], messages: found.map(({ ID, To, Subject }) => ({ ID, To, Subject, Snippet: '' })) };
  });
  app.get('/api/v1/message/:id', async (request, reply) => {
    if (!authorised(request.headers.authorization)) return reply.code(401).send('unauthorised');
    const message = messages.find((m) => m.ID === (request.params as { id: string }).id);
    return message ?? reply.code(404).send('not found');
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as { port: number };
  let next = 1;
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    app,
    deliver: (to, text, html = '') => messages.push({ ID: `m${next++}x${Math.random().toString(36).slice(2, 8)}`, To: [{ Name: '', Address: to }], Subject: 'test', Text: text, HTML: html }),
  };
}

describe('extract', () => {
  it('reports an emailed link by its origin and shape only (review finding 9)', () => {
    expect(linkShape('https://x.test/reset/abc123?t=secret&u=42#frag')).toBe('https://x.test/…/…?t=…&u=…#…');
    expect(linkShape('http://127.0.0.1:3000/verify?token=abc')).toBe('http://127.0.0.1:3000/…?token=…');
    expect(linkShape('https://x.test/')).toBe('https://x.test/');
    expect(linkShape('not a link secret')).toBe('a link');
  });

  it('takes the first group, else the whole match, with &amp; decoded', () => {
    expect(extract('Your code is 123456.', /code is (\d{6})/)).toBe('123456');
    expect(extract('<a href="https://x.test/r?a=1&amp;t=abc">', /https:\/\/x\.test\/r\?[^"]+/)).toBe('https://x.test/r?a=1&t=abc');
    expect(extract('nothing here', /(\d{6})/)).toBeNull();
  });
});

describe('a Mailpit-shaped mailbox', () => {
  let mailpit: Awaited<ReturnType<typeof startMailpitShaped>>;
  beforeAll(async () => {
    mailpit = await startMailpitShaped();
  });
  afterAll(() => mailpit.app.close());

  const mailbox = () =>
    openMailbox({ kind: 'mailpit', url: mailpit.url, headers: { Authorization: { env: 'QA_MAILPIT_AUTH' } } }, new URL('http://site.test/'), {
      QA_MAILPIT_AUTH: `Basic ${Buffer.from('qa:mail-secret').toString('base64')}`,
    });

  it('reads the code of the message that arrived after the watch began, to that address', async () => {
    mailpit.deliver('alice@example.com', 'Your sign-in code is 111111');
    const watch = await watchMailbox(mailbox(), 'Alice@Example.com');
    // The site sends mail after it answered: other people's mail and an unrelated email come first.
    setImmediate(() => {
      mailpit.deliver('bob@example.com', 'Your sign-in code is 222222');
      mailpit.deliver('alice@example.com', 'Welcome aboard');
      setTimeout(() => mailpit.deliver('alice@example.com', 'Text part', '<p>Your sign-in code is <b>333333</b></p>'), 300);
    });
    const found = await watch.next(matching(/code is (?:<b>)?(\d{6})/), 10_000);
    expect(found.value).toBe('333333');
    expect(mailpit.requests.some((url) => url === `/api/v1/search?query=${encodeURIComponent('to:"Alice@Example.com"')}`)).toBe(true);
  });

  it('gives up at the deadline with a sentence naming the address and the pattern', async () => {
    const watch = await watchMailbox(mailbox(), 'carol@example.com');
    mailpit.deliver('carol@example.com', 'no code in this one');
    await expect(watch.next(matching(/code is (\d{6})/), 600)).rejects.toThrow(
      `No email to carol@example.com matching /code is (\\d{6})/ reached the mailbox at ${mailpit.url}/ within 1 s (1 new message(s) did not match)`,
    );
  });

  it('says when the mailbox refuses the request, without the credentials', async () => {
    const noAuth = openMailbox({ kind: 'mailpit', url: mailpit.url }, new URL('http://site.test/'), {});
    await expect(noAuth.list('dave@example.com')).rejects.toThrow(`The mailbox at ${mailpit.url}/api/v1/search answered 401`);
    expect(() => openMailbox({ kind: 'mailpit', url: mailpit.url, headers: { Authorization: { env: 'QA_UNSET_VARIABLE' } } }, new URL('http://site.test/'), {})).toThrow(
      'The mailbox header Authorization names the environment variable QA_UNSET_VARIABLE, which is not set',
    );
  });
});

describe('mailbox credentials stay with the mailbox (review finding 8)', () => {
  it('refuses a URL with credentials in it, or //host, when the profile loads and when the mailbox opens', () => {
    const site = new URL('http://site.test/');
    for (const url of ['http://qa:mail-secret@127.0.0.1:9/api', '//evil.test/messages?to={email}', '/\\evil.test/messages']) {
      expect(mailboxUrlProblem(url)).not.toBeNull();
      expect(() => openMailbox({ kind: 'json', url }, site, {})).toThrow(MailboxError);
      try {
        openMailbox({ kind: 'json', url }, site, {});
      } catch (error) {
        expect(String(error)).not.toContain('mail-secret');
      }
    }
    expect(mailboxUrlProblem('/dev/outbox/messages?to={email}')).toBeNull();
    expect(mailboxUrlProblem('https://mail.test/api')).toBeNull();
    const dir = tempDir('mailbox-profile');
    try {
      const profile = writeProfile(dir, (p) => {
        p.mailbox = { kind: 'json', url: '//evil.test/messages?to={email}' };
      });
      expect(() => loadProfile(profile)).toThrow(/profile field "mailbox\.url": must be an http\(s\) URL or a path on the site, not \/\/host/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not follow a redirect with the secret headers, nor quote fetch errors', async () => {
    const seen: (string | undefined)[] = [];
    const elsewhere = Fastify();
    elsewhere.get('/*', async (request) => {
      seen.push(request.headers['x-mail-key'] as string | undefined);
      return { messages: [] };
    });
    await elsewhere.listen({ port: 0, host: '127.0.0.1' });
    const other = `http://127.0.0.1:${(elsewhere.server.address() as { port: number }).port}`;
    const redirecting = Fastify();
    redirecting.get('/messages', async (_request, reply) => reply.redirect(`${other}/stolen`));
    await redirecting.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(redirecting.server.address() as { port: number }).port}`;
    try {
      const mailbox = openMailbox({ kind: 'json', url: `${base}/messages?to={email}`, headers: { 'X-Mail-Key': 'mail-secret' } }, new URL('http://site.test/'), {});
      await expect(mailbox.list('erin@example.com')).rejects.toThrow(`The mailbox at ${base}/messages could not be reached`);
      expect(seen).toEqual([]);
    } finally {
      await redirecting.close();
      await elsewhere.close();
    }
  });
});

describe("the bundled relying party's outbox (json shape)", () => {
  let rp: Rp;
  beforeAll(async () => {
    rp = await startRp();
  });
  afterAll(() => rp?.close());

  it('reads the link of the email sent after the watch began, not an earlier one', async () => {
    const mailbox = openMailbox({ kind: 'json', url: '/dev/outbox/messages?to={email}' }, new URL(rp.url));
    const browser = new TestBrowser(rp.url);
    const email = 'mailbox-reader@example.com';
    const verifyLink = linkMatching(/\/verify-email#token=/);
    const first = await watchMailbox(mailbox, email);
    expect((await browser.post('/api/signup', { username: 'mailbox-reader', email, password: PASSWORD })).status).toBe(200);
    const sentAtSignUp = await first.next(verifyLink, 10_000);
    expect(sentAtSignUp.value).toMatch(new RegExp(`^${rp.url}/verify-email#token=[\\w-]+$`));

    const second = await watchMailbox(mailbox, email);
    expect((await browser.post('/api/email/resend')).status).toBe(200);
    const resent = await second.next(verifyLink, 10_000);
    expect(resent.value).toMatch(/\/verify-email#token=/);
    expect(resent.value).not.toBe(sentAtSignUp.value);
    expect(resent.messageId).not.toBe(sentAtSignUp.messageId);
  });
});
