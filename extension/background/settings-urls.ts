// The two connection settings a person may type (relay URL, phone app URL), checked before
// anything is stored, with an error that says what is wrong with *this* value: the most common
// slip is a host and port without a scheme (`localhost:38787`), which `new URL` happily parses
// as the scheme "localhost:".
import { t } from '../translate.ts';
import { UserFacingError } from '../user-facing-error.ts';

export type UrlField = 'relay-url' | 'phone-url';

const SCHEMES: Record<UrlField, readonly string[]> = {
  // http(s) is what people copy from the server's banner; the relay socket turns it into ws(s).
  'relay-url': ['http:', 'https:', 'ws:', 'wss:'],
  // The phone opens a pairing link in its browser: a web page.
  'phone-url': ['http:', 'https:'],
};

const LABEL_KEYS: Record<UrlField, string> = { 'relay-url': 'relayUrl', 'phone-url': 'phoneUrl' };

/** Normalised URL, or a UserFacingError naming the field and what is wrong. */
export function checkSettingUrl(raw: string, field: UrlField): string {
  const value = raw.trim();
  const label = t(LABEL_KEYS[field]);
  const fail = (code: string, message: string) => new UserFacingError(message, code, field);
  if (!value) throw fail('url-empty', t('errUrlEmpty', label));
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) throw fail('url-no-scheme', t('errUrlNoScheme', label, value, `http://${value}`));
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw fail('url-invalid', t('errUrlInvalid', label, value));
  }
  if (!SCHEMES[field].includes(url.protocol)) {
    throw fail('url-scheme', field === 'relay-url' ? t('errRelayUrlScheme', label, value) : t('errPhoneUrlScheme', label, value));
  }
  if (url.username || url.password) throw fail('url-credentials', t('errUrlCredentials', label, value));
  return field === 'relay-url' ? url.toString().replace(/\/$/, '') : url.toString();
}

/** Why a real phone could not open this phone app URL, if it could not: `localhost`, or plain http. */
export function phoneUrlProblem(phoneUrl: string): 'localhost' | 'http' | null {
  let url: URL;
  try {
    url = new URL(phoneUrl);
  } catch {
    return null;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost') || host.startsWith('127.') || host === '::1') return 'localhost';
  return url.protocol === 'http:' ? 'http' : null;
}
