// Sends email: always into the outbox table (the record /dev/outbox shows), and through SMTP
// when SMTP_URL is set. The outbox row is written in the caller's transaction, if any, and SMTP
// delivery starts only once that transaction commits: a rolled-back change sends nothing.
// Delivery never fails a request: a broken mail server must not decide whether a sign-in works.
import type { FastifyBaseLogger } from 'fastify';
import nodemailer, { type Transporter } from 'nodemailer';
import type { MailConfig } from '../../config.ts';
import type { Store } from '../db/store.ts';
import type { Email } from './emails.ts';

export class Mailer {
  readonly #transport: Transporter | undefined;

  constructor(
    private readonly store: Store,
    private readonly config: MailConfig,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number,
  ) {
    this.#transport = config.smtpUrl ? nodemailer.createTransport(config.smtpUrl) : undefined;
  }

  send(userId: number | null, to: string, email: Email): void {
    this.store.outbox.add({ userId, to, subject: email.subject, body: email.body, createdAt: this.now() });
    const transport = this.#transport;
    if (!transport) return;
    this.store.afterCommit(() => {
      transport
        .sendMail({ from: this.config.from, to, subject: email.subject, text: email.body })
        .catch((error: unknown) => this.log.error({ err: error, to }, 'SMTP delivery failed (the message is in the outbox)'));
    });
  }

  close(): void {
    this.#transport?.close();
  }
}
