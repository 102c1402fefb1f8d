// What the bridge accepts from the page, as TypeBox schemas: the specification of the page↔bridge
// wire. The bridge itself checks with the hand-written guards in guards.ts (no schema library in a
// script injected into every frame); guards.test.ts proves the two agree.
import { Type } from '@sinclair/typebox';
import { PAGE_CHANNEL } from '../page-bridge-wire.ts';

const strict = { additionalProperties: false } as const;

/** Window message carrying a request's port. */
export const OpenMessageSchema = Type.Object({ channel: Type.Literal(PAGE_CHANNEL), kind: Type.Literal('open') }, strict);

/** Window message asking to connect Pairkey to the page's server, with a reply port. */
export const ConnectMessageSchema = Type.Object({ channel: Type.Literal(PAGE_CHANNEL), kind: Type.Literal('connect') }, strict);

/** What the bridge accepts from the page's origin at CONNECT_DECLARATION_PATH. */
export { ConnectDeclarationSchema } from '../../shared/connect-declaration.ts';

/** Messages on a request's port. `options` is checked in depth by the background. */
export const PortRequestSchema = Type.Union([
  Type.Object(
    {
      type: Type.Union([Type.Literal('create'), Type.Literal('get')]),
      options: Type.Unknown(),
      mediation: Type.Optional(Type.String({ maxLength: 32 })),
    },
    strict,
  ),
  Type.Object({ type: Type.Literal('cancel') }, strict),
  Type.Object({ type: Type.Literal('native-done') }, strict),
  Type.Object({ type: Type.Literal('capabilities') }, strict),
]);
