// The Requests tab's "Recent" list, kept across reloads: what was asked (sign-in or a new passkey),
// by which site and which paired browser, how it ended and when. Nothing secret is in it (no
// challenge, credential, account or key), and it is bounded to the latest HISTORY_LENGTH entries.
import type { RequestEnd } from '../../../core/session.ts';
import { getMeta, putMeta, type PhoneDatabase } from './db.ts';

export const HISTORY_LENGTH = 20;

export type Outcome = 'approved' | 'denied' | 'failed' | RequestEnd;

export interface HistoryEntry {
  at: number;
  kind: 'registration' | 'sign-in';
  origin: string;
  browser: string;
  outcome: Outcome;
}

const OUTCOMES: readonly Outcome[] = ['approved', 'denied', 'failed', 'cancelled', 'expired', 'disconnected'];

/** Stored by this or an older version: entries of another shape are left out rather than shown wrong. */
function isEntry(value: unknown): value is HistoryEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.at === 'number' &&
    (entry.kind === 'registration' || entry.kind === 'sign-in') &&
    typeof entry.origin === 'string' &&
    typeof entry.browser === 'string' &&
    OUTCOMES.includes(entry.outcome as Outcome)
  );
}

/** The kept entries, newest first. */
export async function loadHistory(db: PhoneDatabase): Promise<HistoryEntry[]> {
  const stored = await getMeta(db, 'history');
  return (stored?.entries ?? []).filter(isEntry).slice(0, HISTORY_LENGTH);
}

/** Keep `entries` (newest first); only the latest HISTORY_LENGTH are written. */
export async function saveHistory(db: PhoneDatabase, entries: readonly HistoryEntry[]): Promise<void> {
  await putMeta(db, { key: 'history', entries: entries.slice(0, HISTORY_LENGTH).map(({ at, kind, origin, browser, outcome }) => ({ at, kind, origin, browser, outcome })) });
}
