// `npm run build`: unpacked extension builds in dist/chrome and dist/firefox.
// The MAIN-world and bridge scripts are built as standalone IIFEs: crxjs's default async loader
// would run them after the page's own scripts, too late to wrap navigator.credentials.
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { crx } from '@crxjs/vite-plugin';
import { manifestFor, type Target } from './manifests.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const STANDALONE = ['extension/page/main-world.ts', 'extension/bridge/bridge.ts'];

/** `PAIRKEY_DIST_DIR` moves the output (parallel builds, CI caches); default `dist/`. */
export const distDir = process.env.PAIRKEY_DIST_DIR ?? `${root}dist`;

export async function buildExtension(target: Target): Promise<string> {
  const outDir = `${distDir}/${target}`;
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, target: 'es2022', minify: true, sourcemap: false },
    plugins: [
      crx({
        manifest: manifestFor(target) as unknown as Parameters<typeof crx>[0]['manifest'],
        browser: target,
        contentScripts: { standaloneFiles: STANDALONE },
      }),
    ],
  });
  return outDir;
}

const targets: Target[] = process.argv.length > 2 ? (process.argv.slice(2) as Target[]) : ['chrome', 'firefox'];
for (const target of targets) {
  const dir = await buildExtension(target);
  console.log(`built ${target}: ${dir}`);
}
