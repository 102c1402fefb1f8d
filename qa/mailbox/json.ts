// A mailbox that answers a JSON list of messages at a URL (a template with {email}): the bundled
// relying party's outbox (`/dev/outbox/messages?to={email}` → { messages: [{ id, to, body }] }),
// MailHog-like test mailboxes, a team's own test inbox. Fields are found by dotted paths.
import type { MailboxSpec } from '../profile/schema.ts';
import { render } from '../profile/template.ts';
import { getJson, MailboxError, type Mailbox, type MailSummary } from './mailbox.ts';

/** `a.b.0.c` in `value`; `.` is the value itself. */
export function at(value: unknown, path: string): unknown {
  if (path === '.') return value;
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Addresses in a recipient field: a string ("A <a@x>, b@x"), or a list of strings or { address | Address | email }. */
export function addressesIn(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return items.flatMap((item) => {
    const text =
      typeof item === 'string'
        ? item
        : item && typeof item === 'object'
          ? String((item as Record<string, unknown>).address ?? (item as Record<string, unknown>).Address ?? (item as Record<string, unknown>).email ?? '')
          : '';
    return [...text.matchAll(/[^\s<>,;"]+@[^\s<>,;"]+/g)].map((m) => m[0].toLowerCase());
  });
}

const text = (value: unknown) => (typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value));

export function jsonMailbox(spec: MailboxSpec, site: URL, headers: Record<string, string>): Mailbox {
  const paths = { list: spec.list ?? 'messages', id: spec.id ?? 'id', to: spec.to ?? 'to', body: spec.body ?? 'body' };
  const bodies = new Map<string, string>();
  const where = new URL(spec.url.split('?')[0]!.replace(/\{[a-zA-Z]+\}/g, '…'), site);
  return {
    where: `${where.origin}${where.pathname}`,
    async list(address) {
      const url = new URL(render(spec.url, { email: encodeURIComponent(address) }), site);
      const answer = await getJson(url, headers);
      const list = at(answer, paths.list);
      if (!Array.isArray(list)) throw new MailboxError(`The mailbox at ${this.where} answered no list at "${paths.list}"`);
      return list.map((message): MailSummary => {
        const id = at(message, paths.id);
        // Without an id the message itself is its identity (positions move as mail arrives).
        const key = id === undefined || id === null ? JSON.stringify(message) : String(id);
        bodies.set(key, text(at(message, paths.body)));
        return { id: key, to: addressesIn(at(message, paths.to)) };
      });
    },
    async body(message) {
      return bodies.get(message.id) ?? '';
    },
  };
}
