// Waiting for the email an action sends: the messages to the address are noted first, then the
// mailbox is asked again (every 250 ms, up to a deadline) until a new one holds the pattern.
// Mail is delivered after the page has answered, so the page's outcome cannot be awaited instead.
import { MailboxError, type Mailbox } from './mailbox.ts';

const POLL_MS = 250;

export interface Found {
  /** The pattern's first group when it has one, else the whole match (`&amp;` decoded). */
  readonly value: string;
  readonly messageId: string;
}

/** What an email holds: a link or code matching `pattern`. */
export function extract(body: string, pattern: RegExp): string | null {
  const match = body.replace(/&amp;/g, '&').match(pattern);
  if (!match) return null;
  return match[1] ?? match[0];
}

/** What to take from an email: `pick` returns it, or null when the email does not hold it. */
export interface Picker {
  /** For messages: "matching /…/". */
  readonly describe: string;
  pick(body: string): string | null;
}

/** The pattern's first group (or whole match) in the email. */
export const matching = (pattern: RegExp): Picker => ({ describe: `matching /${pattern.source}/`, pick: (body) => extract(body, pattern) });

export interface MailWatch {
  /** The first message to the address since the watch began that holds what `picker` wants. */
  next(picker: Picker, timeoutMs: number): Promise<Found>;
}

/** Notes the messages `address` has now, so only mail sent after this moment is read. */
export async function watchMailbox(mailbox: Mailbox, address: string): Promise<MailWatch> {
  const lower = address.toLowerCase();
  const seen = new Set((await mailbox.list(address)).map((m) => m.id));
  return {
    async next(picker, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const read = new Set<string>();
      for (;;) {
        const fresh = (await mailbox.list(address)).filter((m) => !seen.has(m.id) && !read.has(m.id) && (m.to.length === 0 || m.to.includes(lower)));
        for (const message of fresh) {
          read.add(message.id);
          const value = picker.pick(await mailbox.body(message));
          if (value !== null) return { value, messageId: message.id };
        }
        if (Date.now() >= deadline) {
          const others = read.size === 0 ? 'no new message arrived' : `${read.size} new message(s) did not match`;
          throw new MailboxError(`No email to ${address} ${picker.describe} reached the mailbox at ${mailbox.where} within ${Math.round(timeoutMs / 1000)} s (${others})`);
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
  };
}
