// What the bridge accepts from the page, as TypeBox schemas (checked with Value.Check: no eval).
// The page is untrusted: anything that does not match is dropped without an answer.
import { Type } from '@sinclair/typebox';
import { PAGE_CHANNEL } from '../page/messages.ts';

const strict = { additionalProperties: false } as const;

/** Window message carrying a request's port. */
export const OpenMessageSchema = Type.Object({ channel: Type.Literal(PAGE_CHANNEL), kind: Type.Literal('open') }, strict);

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

/** Larger option objects are refused before they are copied or forwarded (WebAuthn options are small). */
export const MAX_PAGE_MESSAGE_CHARS = 256 * 1024;
