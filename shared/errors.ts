// The error names a WebAuthn client may surface to a page (WebAuthn L3 §5.1.3, §5.1.4)
// plus TypeError for malformed arguments. Everything that crosses a boundary carries one of
// these names, so the page script can rebuild the exact DOMException the spec requires.
export const WEBAUTHN_ERROR_NAMES = [
  'NotAllowedError',
  'InvalidStateError',
  'SecurityError',
  'AbortError',
  'NotSupportedError',
  'ConstraintError',
  'UnknownError',
  // Chromium: an appid / appidExclude value that is neither empty nor a URL.
  'SyntaxError',
  'TypeError',
] as const;

export type WebAuthnErrorName = (typeof WEBAUTHN_ERROR_NAMES)[number];

/** An error that maps 1:1 onto the DOMException (or TypeError) the page must see. */
export class WebAuthnError extends Error {
  constructor(
    public readonly errorName: WebAuthnErrorName,
    message: string,
  ) {
    super(message);
    this.name = errorName;
  }
}

export function isWebAuthnErrorName(name: unknown): name is WebAuthnErrorName {
  return typeof name === 'string' && (WEBAUTHN_ERROR_NAMES as readonly string[]).includes(name);
}
