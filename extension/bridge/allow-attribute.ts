// The iframe `allow` attribute, read the way Permissions Policy reads it, for the two WebAuthn
// features. Used in Firefox, which has no API to ask a frame for its policy.

export type Feature = 'publickey-credentials-create' | 'publickey-credentials-get';

/** Does `allow="…"` on an iframe of this document grant `feature` to a frame of `childOrigin`? */
export function allowAttributeGrants(allow: string, feature: Feature, childOrigin: string, src: string, ownOrigin: string): boolean {
  for (const directive of allow.split(';')) {
    const [name, ...allowlist] = directive.trim().split(/\s+/);
    if (name !== feature) continue;
    // A feature named without an allowlist means 'src' (Permissions Policy §9.8).
    const tokens = allowlist.length === 0 ? ["'src'"] : allowlist;
    return tokens.some((token) => {
      if (token === '*') return true;
      if (token === "'none'") return false;
      if (token === "'self'") return childOrigin === ownOrigin;
      if (token === "'src'") return childOrigin === originOf(src, ownOrigin);
      return childOrigin === originOf(token, ownOrigin);
    });
  }
  return false;
}

function originOf(url: string, base: string): string | null {
  try {
    return new URL(url, base).origin;
  } catch {
    return null;
  }
}
