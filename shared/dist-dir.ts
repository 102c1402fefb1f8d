// Where `npm run build` puts its output: `PAIRKEY_DIST_DIR` when set (parallel builds, CI caches,
// the benchmark's private build), else dist/ in the pairkey package. The one place that default is
// computed: the extension and phone-app builds, the harness server and the QA fixtures all ask here.
// Node only (never bundled into the extension or the phone app).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function distDir(env: Record<string, string | undefined> = process.env): string {
  return env.PAIRKEY_DIST_DIR ?? join(packageRoot(), 'dist');
}

/**
 * The folder of Pairkey's package.json, found upwards from this module: it runs from the sources
 * (shared/) and compiled for the QA library (dist/lib/shared/), at different depths.
 */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'pairkey') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Cannot find the pairkey package folder: set PAIRKEY_DIST_DIR');
    dir = parent;
  }
}
