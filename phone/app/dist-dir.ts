// Where the phone app's static build lives: `${PAIRKEY_DIST_DIR ?? 'dist'}/phone`. Shared by the
// build and the harness server, which serves that folder (and nothing else) on the phone origin.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export function phoneAppDistDir(env: Record<string, string | undefined> = process.env): string {
  return join(env.PAIRKEY_DIST_DIR ?? join(repoRoot, 'dist'), 'phone');
}
