// The bridge's message checks, written by hand. The bridge runs in every frame of every secure
// page, so it carries no schema library: these guards accept exactly what the TypeBox schemas in
// page-schema.ts and runtime-messages.ts (FramePolicyQuerySchema) accept, and guards.test.ts
// checks that they agree on generated and crafted input.
import type { ConnectDeclaration } from '../../shared/connect-declaration.ts';
import type { ConnectMessage, OpenMessage, PortRequest } from '../page-bridge-wire.ts';
import { PAGE_CHANNEL } from '../page-bridge-wire.ts';
import type { FramePolicyQuery } from '../runtime-messages.ts';

/** Larger messages are refused before they are copied or forwarded (WebAuthn options are small). */
export const MAX_PAGE_MESSAGE_CHARS = 256 * 1024;

type Plain = Record<string, unknown>;

const isPlain = (value: unknown): value is Plain => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Own keys of `value` are all in `allowed`, and every key in `required` is present. */
function hasOnly(value: Plain, required: readonly string[], optional: readonly string[] = []): boolean {
  const keys = Object.keys(value);
  return required.every((k) => Object.hasOwn(value, k)) && keys.every((k) => required.includes(k) || optional.includes(k));
}

const isString = (value: unknown, min: number, max: number): value is string => typeof value === 'string' && value.length >= min && value.length <= max;

export function isOpenMessage(value: unknown): value is OpenMessage {
  return isPlain(value) && hasOnly(value, ['channel', 'kind']) && value.channel === PAGE_CHANNEL && value.kind === 'open';
}

export function isConnectMessage(value: unknown): value is ConnectMessage {
  return isPlain(value) && hasOnly(value, ['channel', 'kind']) && value.channel === PAGE_CHANNEL && value.kind === 'connect';
}

/** The shape only; the background checks the URLs themselves before asking the person. */
export function isConnectDeclaration(value: unknown): value is ConnectDeclaration {
  return isPlain(value) && hasOnly(value, ['relayUrl', 'phoneUrl']) && isString(value.relayUrl, 1, 2048) && isString(value.phoneUrl, 1, 2048);
}

export function isPortRequest(value: unknown): value is PortRequest {
  if (!isPlain(value)) return false;
  switch (value.type) {
    case 'create':
    case 'get':
      // `options` may be anything (the background checks it in depth) but must be there.
      return hasOnly(value, ['type', 'options'], ['mediation']) && (value.mediation === undefined || isString(value.mediation, 0, 32));
    case 'cancel':
    case 'native-done':
    case 'capabilities':
      return hasOnly(value, ['type']);
    default:
      return false;
  }
}

export function isFramePolicyQuery(value: unknown): value is FramePolicyQuery {
  return (
    isPlain(value) &&
    hasOnly(value, ['type', 'frameId', 'origin', 'feature']) &&
    value.type === 'frame/policy' &&
    Number.isInteger(value.frameId) &&
    (value.frameId as number) >= 1 &&
    isString(value.origin, 1, 2048) &&
    (value.feature === 'publickey-credentials-create' || value.feature === 'publickey-credentials-get')
  );
}
