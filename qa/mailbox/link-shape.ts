// What a report may say about an emailed link: its origin and shape only. Any path segment or
// query value may be the secret (`/reset/<token>`, `?t=<token>`, `?sig=…`), so every one of them
// is replaced; query names stay, as they help a person see which link it was.

const HIDDEN = '…';

/** `https://x.test/reset/abc?t=1&u=2#f` → `https://x.test/…/…?t=…&u=…#…`; not a URL → "a link". */
export function linkShape(link: string): string {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return 'a link';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'a link';
  const path = url.pathname.split('/').map((segment) => (segment === '' ? '' : HIDDEN)).join('/');
  const names = [...url.searchParams.keys()].map((name) => `${encodeURIComponent(name).slice(0, 40)}=${HIDDEN}`);
  return `${url.origin}${path}${names.length > 0 ? `?${names.join('&')}` : ''}${url.hash ? `#${HIDDEN}` : ''}`;
}
