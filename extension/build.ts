// `npm run build`: unpacked development builds in dist/chrome and dist/firefox, with the test
// hooks the end-to-end suites use. `npm run package` (extension/package.ts) makes the store builds,
// without them.
// The MAIN-world and bridge scripts are built as standalone IIFEs: crxjs's default async loader
// would run them after the page's own scripts, too late to wrap navigator.credentials.
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { crx } from '@crxjs/vite-plugin';
import { manifestFor, type Target } from './manifests.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const STANDALONE = ['extension/page/main-world.ts', 'extension/bridge/bridge.ts'];
/** Extension pages no manifest entry names (crxjs finds the popup and options page itself). */
const EXTRA_PAGES = { prompt: `${root}extension/ui/prompt.html` };

/** `PAIRKEY_DIST_DIR` moves the output (parallel builds, CI caches); default `dist/`. */
export const distDir = process.env.PAIRKEY_DIST_DIR ?? `${root}dist`;

export interface BuildOptions {
  /** Include the test-only hooks (extension/*\/test-hooks.ts). Never in a store build. */
  testHooks: boolean;
  outDir?: string;
}

export async function buildExtension(target: Target, options: BuildOptions = { testHooks: true }): Promise<string> {
  const outDir = options.outDir ?? `${distDir}/${target}`;
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    publicDir: `${root}extension/public`,
    define: { __PAIRKEY_TEST_HOOKS__: JSON.stringify(options.testHooks) },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      minify: true,
      sourcemap: false,
      rollupOptions: { input: EXTRA_PAGES },
    },
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

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const targets: Target[] = process.argv.length > 2 ? (process.argv.slice(2) as Target[]) : ['chrome', 'firefox'];
  for (const target of targets) {
    const dir = await buildExtension(target);
    console.log(`built ${target}: ${dir}`);
  }
}
