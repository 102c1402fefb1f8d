// Which hosts the relay posts push messages to: the push services browsers subscribe with, by
// default, so the relay's VAPID signature cannot be aimed at any other web server. An operator
// whose phones use another service adds it with RELAY_PUSH_HOSTS (`*` turns the list off).

/** Chromium (FCM), Firefox (Mozilla autopush), Edge (WNS), Safari (Apple). */
export const DEFAULT_PUSH_HOSTS: readonly string[] = ['fcm.googleapis.com', 'updates.push.services.mozilla.com', '*.notify.windows.com', '*.push.apple.com'];

/** Host patterns (`host.example` exactly, `*.example` for any name under it), or any public host. */
export type PushHosts = readonly string[] | 'any';

/** A pattern RELAY_PUSH_HOSTS may hold: a lower-case DNS name of two labels or more, `*.` in front at most. */
export const PUSH_HOST_PATTERN = /^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$/;

/** Whether a URL's hostname (lower case, as URL gives it) is one of the push hosts. */
export function pushHostAllowed(hosts: PushHosts, hostname: string): boolean {
  if (hosts === 'any') return true;
  const name = hostname.replace(/\.$/, '');
  return hosts.some((pattern) => (pattern.startsWith('*.') ? name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1 : name === pattern));
}
