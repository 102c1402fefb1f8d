// The local outbox (DEV_OUTBOX): every email the RP sent, as JSON for tests and for the
// /dev/outbox page (served by pages.ts).
// Anyone who can reach these routes reads every message, links included.
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '../../plugins/typebox.ts';
import { iso } from './common.ts';

const Query = Type.Object({ to: Type.Optional(Type.String({ maxLength: 254 })) });
const Messages = Type.Object({
  messages: Type.Array(
    Type.Object({
      id: Type.Integer(),
      to: Type.String(),
      subject: Type.String(),
      body: Type.String(),
      links: Type.Array(Type.String()),
      createdAt: Type.String(),
    }),
  ),
});

export const devOutboxRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { store } = app.rp;

  app.get('/dev/outbox/messages', { schema: { querystring: Query, response: { 200: Messages } } }, async (request) => {
    const to = request.query.to?.trim().toLowerCase();
    return {
      messages: store.outbox.list(to || undefined).map((message) => ({
        ...message,
        links: message.body.match(/https?:\/\/\S+/g) ?? [],
        createdAt: iso(message.createdAt),
      })),
    };
  });
};
