// Reading what the site says after an action: one of the expected markers appears (success), or
// the status line shows a failure. Navigation may happen in between (a sign-in that redirects), so
// the page is probed again and again rather than watched by one script that a navigation kills.
import type { DriverPage } from '../../browser/driver.ts';
import type { MarkerSpec } from '../../profile/schema.ts';
import { renderPattern, type TemplateValues } from '../../profile/template.ts';

export type Outcome =
  | { kind: 'success'; marker: number }
  | { kind: 'failure'; text: string }
  | { kind: 'timeout'; status: string };

interface ProbeMarker {
  url: string | null;
  selector: string | null;
  text: string | null;
  response: { url: string; status: number | null; body: string | null } | null;
}

/**
 * Page code that records the answers to the page's own requests (fetch and XMLHttpRequest) from
 * now on, for markers that read the site's verification answer instead of the page. Installed just
 * before a form's button is pressed; a navigation drops it, as it drops the page that made them.
 */
export const RECORD_RESPONSES = `(() => {
  if (window.__pairkeyQaResponses) { window.__pairkeyQaResponses.length = 0; return true; }
  const seen = [];
  window.__pairkeyQaResponses = seen;
  const MAX = 65536;
  const keep = (url, status, body) => seen.push({ url: String(url), status, body: String(body).slice(0, MAX) });
  const originalFetch = window.fetch;
  window.fetch = async (...args) => {
    const response = await originalFetch.apply(window, args);
    response.clone().text().then((body) => keep(response.url, response.status, body), () => keep(response.url, response.status, ''));
    return response;
  };
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (...args) {
    this.addEventListener('loadend', () => {
      let body = '';
      try { body = this.responseType === '' || this.responseType === 'text' ? this.responseText : JSON.stringify(this.response); } catch {}
      keep(this.responseURL, this.status, body);
    });
    return open.apply(this, args);
  };
  return true;
})()`;

interface ProbeResult {
  matched: number;
  status: string;
  /** The failure selector matched while the status line showed text. */
  failed: boolean;
}

const POLL_MS = 100;

export function describeOutcome(outcome: Outcome): string {
  if (outcome.kind === 'success') return 'succeeded';
  if (outcome.kind === 'failure') return `refused: "${outcome.text}"`;
  return `no outcome shown${outcome.status ? ` (status: "${outcome.status}")` : ''}`;
}

/** A marker for the page: URLs resolved against the site, text patterns rendered. */
function probeMarker(marker: MarkerSpec, site: URL, values: TemplateValues): ProbeMarker {
  return {
    url: marker.url ? new URL(marker.url, site).href : null,
    selector: marker.selector ?? null,
    text: marker.text !== undefined ? renderPattern(marker.text, values).source : null,
    response: marker.response
      ? {
          url: renderPattern(marker.response.url, values).source,
          status: marker.response.status ?? null,
          body: marker.response.body !== undefined ? renderPattern(marker.response.body, values).source : null,
        }
      : null,
  };
}

/**
 * Page code: which marker matches (-1 for none) and the status text. A marker with text matches
 * on its text alone (a hidden element may hold the "signed out" state); without text, its element
 * must be visible. A marker that is only a URL matches once that page has loaded: acting on a
 * page still loading races its navigation (Firefox then aborts the next one).
 */
function probeExpression(markers: ProbeMarker[], statusSelector: string, failureSelector: string | null): string {
  return `(() => {
    const markers = ${JSON.stringify(markers)};
    const answered = (r) => (window.__pairkeyQaResponses || []).some((seen) =>
      new RegExp(r.url, 'i').test(seen.url) &&
      (r.status === null ? seen.status >= 200 && seen.status < 300 : seen.status === r.status) &&
      (r.body === null || new RegExp(r.body, 'i').test(seen.body)));
    const matches = (m) => {
      if (m.url !== null && !location.href.startsWith(m.url)) return false;
      if (m.response !== null && !answered(m.response)) return false;
      if (m.selector === null) return m.response !== null || document.readyState === 'complete';
      const el = document.querySelector(m.selector);
      if (!el) return false;
      if (m.text !== null) return new RegExp(m.text, 'i').test((el.textContent || '').trim());
      return el.getClientRects().length > 0;
    };
    const status = document.querySelector(${JSON.stringify(statusSelector)});
    const text = status ? (status.textContent || '').trim() : '';
    const failureSelector = ${JSON.stringify(failureSelector)};
    const failed = text !== '' && failureSelector !== null && document.querySelector(failureSelector) !== null;
    return { matched: markers.findIndex(matches), status: text, failed };
  })()`;
}

export interface OutcomeSpec {
  /** Any of these means success; the index of the one seen is returned. */
  success: MarkerSpec[];
  statusSelector: string;
  failure: RegExp;
  /** A failure marked by an element rather than by the status text (profile `status.failureSelector`). */
  failureSelector: string | null;
  site: URL;
  values: TemplateValues;
  timeoutMs: number;
}

export async function awaitOutcome(page: DriverPage, spec: OutcomeSpec): Promise<Outcome> {
  const expression = probeExpression(
    spec.success.map((m) => probeMarker(m, spec.site, spec.values)),
    spec.statusSelector,
    spec.failureSelector,
  );
  const deadline = Date.now() + spec.timeoutMs;
  let status = '';
  for (;;) {
    let result: ProbeResult | null = null;
    try {
      result = await page.eval<ProbeResult>(expression);
    } catch {
      // The page is between documents; probe the next one.
    }
    if (result) {
      status = result.status;
      if (result.matched >= 0) return { kind: 'success', marker: result.matched };
      if (result.failed || spec.failure.test(result.status)) return { kind: 'failure', text: result.status };
    }
    if (Date.now() >= deadline) return { kind: 'timeout', status };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Empties the status line, so the next outcome read is the next action's, not an earlier one's. */
export async function clearStatus(page: DriverPage, statusSelector: string): Promise<void> {
  await page.eval(`(() => { const el = document.querySelector(${JSON.stringify(statusSelector)}); if (el) el.textContent = ''; return null; })()`);
}
