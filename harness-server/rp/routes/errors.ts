// Shared wording for failed ceremonies, so every verify route explains itself the same way.
import type { ConsumeResult } from '../db/challenges.ts';

export function challengeProblem(result: Exclude<ConsumeResult, { ok: true }>, ceremony: string): string {
  return result.reason === 'expired'
    ? `The ${ceremony} challenge has expired; start again`
    : `No ${ceremony} in progress (its challenge was already used or never issued)`;
}

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
