// `npx tsx phone/app/build.ts`: the phone web app as static files in
// `${PAIRKEY_DIST_DIR ?? 'dist'}/phone` (any static host can serve them; the harness server does on
// PHONE_PORT). Two vite builds: the app, then the service worker with the app's file list.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';
import { phoneAppDistDir } from './dist-dir.ts';
import { writeIcons } from './icons.ts';

const appRoot = fileURLToPath(new URL('.', import.meta.url));
const SERVICE_WORKER = 'sw.js';

function filesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((file) => file !== SERVICE_WORKER)
    .sort();
}

export async function buildPhoneApp(outDir: string = phoneAppDistDir()): Promise<string> {
  await build({
    configFile: false,
    root: appRoot,
    // Relative URLs: the app works wherever it is hosted (PHONE_URL may have a path).
    base: './',
    logLevel: 'warn',
    publicDir: join(appRoot, 'public'),
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: false,
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
      // One app, loaded once and then served by the service worker; most of its weight is the
      // public suffix list (rpId checks) and the crypto, which every screen needs.
      chunkSizeWarningLimit: 640,
    },
  });
  writeIcons(outDir);

  const files = filesIn(outDir);
  const digest = createHash('sha256');
  for (const file of files) digest.update(file).update(readFileSync(join(outDir, file)));
  await build({
    configFile: false,
    root: appRoot,
    logLevel: 'warn',
    publicDir: false,
    define: { __PRECACHE__: JSON.stringify(files), __BUILD_ID__: JSON.stringify(digest.digest('hex').slice(0, 16)) },
    build: {
      outDir,
      emptyOutDir: false,
      target: 'es2022',
      sourcemap: false,
      lib: { entry: join(appRoot, 'sw.ts'), formats: ['iife'], name: 'pairkeyServiceWorker', fileName: () => SERVICE_WORKER },
    },
  });
  return outDir;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`built phone app: ${await buildPhoneApp()}`);
}
