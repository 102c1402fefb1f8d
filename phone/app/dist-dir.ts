// Where the phone app's static build lives: `<dist>/phone` (shared/dist-dir.ts). Shared by the
// build and the harness server, which serves that folder (and nothing else) on the phone origin.
import { join } from 'node:path';
import { distDir } from '../../shared/dist-dir.ts';

export function phoneAppDistDir(env: Record<string, string | undefined> = process.env): string {
  return join(distDir(env), 'phone');
}
