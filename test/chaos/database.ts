// Checks the harness server's database against what the load saw acknowledged: every sign-in a
// client saw succeed is there (its audit entry, its passkey counter or TOTP step, its session),
// no counter or step the client never sent, nothing half-written, and nothing gone backwards
// since the previous check.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { tokenHash } from '../../harness-server/rp/crypto/tokens.ts';
import type { UserLedger } from '../soak/load.ts';

/** Per user: the passkey counter and TOTP step the database held at the previous check. */
export type Watermarks = Map<string, { signCount: number; timeStep: number }>;

export function committedProblems(dataDir: string, ledgers: UserLedger[], watermarks: Watermarks): string[] {
  const problems: string[] = [];
  // Read-write like the server: after a SIGKILL the WAL needs recovering, which a read-only handle cannot do.
  const db = new Database(join(dataDir, 'pairkey.db'), { fileMustExist: true });
  // One read transaction, so every query sees one snapshot: the server may go on committing
  // sign-ins while this runs (after a disk-full fault it does). Read one statement at a time, a
  // user's counter could predate a sign-in that committed before its session was read, and the
  // rotated session would read as lost.
  db.exec('BEGIN');
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') problems.push(`integrity_check: ${String(integrity)}`);
    const foreignKeys = db.pragma('foreign_key_check') as unknown[];
    if (foreignKeys.length > 0) problems.push(`${foreignKeys.length} foreign key violation(s)`);
    const signIns = db.prepare(`SELECT count(*) AS n FROM audit_log a JOIN users u ON u.id = a.user_id WHERE u.username = ? AND a.event = 'signin.succeeded'`);
    const counter = db.prepare('SELECT sign_count AS n FROM credentials WHERE id = ?');
    const step = db.prepare(`SELECT o.last_time_step AS n FROM otp_factors o JOIN users u ON u.id = o.user_id WHERE u.username = ? AND o.status = 'active'`);
    const session = db.prepare('SELECT 1 FROM sessions WHERE id = ?');
  const sessionsOf = db.prepare(`SELECT hex(s.id) AS id, s.created_at AS at FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = ? ORDER BY s.created_at`);
  const auditOf = db.prepare(`SELECT a.event, a.at FROM audit_log a JOIN users u ON u.id = a.user_id WHERE u.username = ? ORDER BY a.id DESC LIMIT 4`);
  /** What a missing session's finding shows: the client's last attempts and what the database holds. */
  const evidence = (ledger: UserLedger): string => {
    const time = (at: number) => new Date(at).toISOString().slice(11, 23);
    const rows = sessionsOf.all(ledger.username) as { id: string; at: number }[];
    const audit = auditOf.all(ledger.username) as { event: string; at: number }[];
    return [
      `client's last verify attempts: ${ledger.attempts.join('; ') || 'none'}`,
      `sessions stored: ${rows.map((r) => `${r.id.slice(0, 8).toLowerCase()} from ${time(r.at)}`).join(', ') || 'none'}`,
      `last audit entries: ${audit.map((a) => `${a.event} ${time(a.at)}`).join(', ')}`,
    ].join('\n      ');
  };
    for (const ledger of ledgers) {
      const who = `${ledger.username}`;
      const audited = (signIns.get(ledger.username) as { n: number }).n;
      if (audited < ledger.acknowledged) problems.push(`${who}: ${ledger.acknowledged} sign-ins acknowledged, ${audited} in the audit log`);
      const mark = watermarks.get(ledger.username) ?? { signCount: 0, timeStep: 0 };
      if (ledger.credentialId !== undefined) {
        const stored = (counter.get(ledger.credentialId) as { n: number } | undefined)?.n ?? -1;
        if (stored < ledger.lastCounter) problems.push(`${who}: counter ${stored} stored, ${ledger.lastCounter} acknowledged`);
        if (stored > ledger.maxSigned) problems.push(`${who}: counter ${stored} stored, the authenticator never signed above ${ledger.maxSigned}`);
        if (stored < mark.signCount) problems.push(`${who}: counter went back from ${mark.signCount} to ${stored}`);
        // Unless a sign-in cut off by the fault had committed (and rotated the session), the
        // session of the last acknowledged one is there.
        if (stored === ledger.lastCounter && ledger.session !== null && session.get(tokenHash(ledger.session)) === undefined) {
          problems.push(`${who}: the session of the last acknowledged sign-in is gone\n      ${evidence(ledger)}`);
        }
        mark.signCount = Math.max(mark.signCount, stored);
      }
      if (ledger.kind === 'totp') {
        const stored = (step.get(ledger.username) as { n: number | null } | undefined)?.n ?? 0;
        if (stored < ledger.lastStep) problems.push(`${who}: TOTP step ${stored} stored, ${ledger.lastStep} acknowledged`);
        if (stored > Math.max(ledger.maxStepSent, mark.timeStep)) problems.push(`${who}: TOTP step ${stored} stored, never sent above ${ledger.maxStepSent}`);
        if (stored < mark.timeStep) problems.push(`${who}: TOTP step went back from ${mark.timeStep} to ${stored}`);
        mark.timeStep = Math.max(mark.timeStep, stored);
      }
      watermarks.set(ledger.username, mark);
    }
  } finally {
    db.exec('COMMIT');
    db.close();
  }
  return problems;
}
