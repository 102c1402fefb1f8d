// Mailpit's HTTP API (https://mailpit.axllent.org/docs/api-v1/): the messages to an address are
// found with GET /api/v1/search?query=to:"address" (newest first: { messages: [{ ID, To:
// [{ Address }] }] }), and a message's text with GET /api/v1/message/{ID} ({ Text, HTML }).
import { getJson, type Mailbox, type MailSummary } from './mailbox.ts';
import { addressesIn } from './json.ts';

interface MailpitList {
  messages?: { ID?: unknown; To?: unknown }[];
}

interface MailpitMessage {
  Text?: unknown;
  HTML?: unknown;
}

export function mailpitMailbox(base: URL, headers: Record<string, string>): Mailbox {
  const root = base.href.endsWith('/') ? base.href : `${base.href}/`;
  return {
    where: new URL(root).origin + new URL(root).pathname,
    async list(address) {
      const url = new URL('api/v1/search', root);
      url.searchParams.set('query', `to:"${address}"`);
      const answer = (await getJson(url, headers)) as MailpitList;
      return (answer.messages ?? []).filter((m) => typeof m.ID === 'string').map((m): MailSummary => ({ id: m.ID as string, to: addressesIn(m.To) }));
    },
    async body(message) {
      const answer = (await getJson(new URL(`api/v1/message/${encodeURIComponent(message.id)}`, root), headers)) as MailpitMessage;
      return [answer.Text, answer.HTML].filter((part): part is string => typeof part === 'string').join('\n');
    },
  };
}
