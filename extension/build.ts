// `npm run build`: two unpacked builds per browser.
//   - dist/chrome, dist/firefox: the build people load (README). No test hooks at all: a page
//     could otherwise open extension tabs, shorten the pairing code's life or stop every ceremony.
//     The build fails if any hook string is left in it.
//   - dist/test/chrome, dist/test/firefox: the same with the test hooks (extension/*/test-hooks.ts)
//     the end-to-end suites and the QA harness's Firefox driver use.
// `npm run package` (extension/package.ts) makes the store zips from hook-free builds.
// The MAIN-world and bridge scripts are built as standalone IIFEs: crxjs's default async loader
// would run them after the page's own scripts, too late to wrap navigator.credentials.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { crx } from '@crxjs/vite-plugin';
import { distDir as pairkeyDistDir } from '../shared/dist-dir.ts';
import { manifestFor, type Target } from './manifests.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const STANDALONE = ['extension/page/main-world.ts', 'extension/bridge/bridge.ts'];
/** Extension pages no manifest entry names (crxjs finds the popup and options page itself). */
const EXTRA_PAGES = { prompt: `${root}extension/ui/prompt.html`, connect: `${root}extension/ui/connect.html` };

/** `PAIRKEY_DIST_DIR` moves the output (parallel builds, CI caches); default `dist/`. */
export const distDir = pairkeyDistDir();

/** Where `npm run build` puts each build (qa/fixtures/defaults.ts finds them the same way). */
export function buildDir(target: Target, kind: 'loadable' | 'test', dist = distDir): string {
  return kind === 'test' ? `${dist}/test/${target}` : `${dist}/${target}`;
}

/** Strings only the test hooks contain; none may reach a build people load. */
export const TEST_HOOK_MARKERS = ['test/hook', 'pairkeyTest', 'offerTtlMs'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** Every file of `dir` that holds a hook marker, as "path: marker". */
export function findTestHooks(dir: string): string[] {
  return files(dir).flatMap((path) => {
    const text = readFileSync(path, 'latin1');
    return TEST_HOOK_MARKERS.filter((marker) => text.includes(marker)).map((marker) => `${path}: ${marker}`);
  });
}

/** Builds the hook-free extension into `outDir` and checks that no hook string is left. */
export async function buildLoadable(target: Target, outDir = buildDir(target, 'loadable')): Promise<string> {
  const dir = await buildExtension(target, { testHooks: false, outDir });
  const hooks = findTestHooks(dir);
  if (hooks.length > 0) throw new Error(`Test hooks in the ${target} build people load:\n${hooks.join('\n')}`);
  return dir;
}

export interface BuildOptions {
  /** Include the test-only hooks (extension/*\/test-hooks.ts). Only in dist/test/<browser>. */
  testHooks: boolean;
  outDir?: string;
}

export async function buildExtension(target: Target, options: BuildOptions): Promise<string> {
  const outDir = options.outDir ?? buildDir(target, options.testHooks ? 'test' : 'loadable');
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
    console.log(`built ${target}: ${await buildLoadable(target)}`);
    console.log(`built ${target} with test hooks: ${await buildExtension(target, { testHooks: true })}`);
  }
}
