// `npm run package`: store-ready zips for both browsers, in dist/packages (PAIRKEY_DIST_DIR moves
// dist/). Store builds go to dist/store/<browser> first: no test hooks, checked below, and the
// Firefox one must pass `web-ext lint` with no errors and no warnings.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import webExt from 'web-ext';
import { buildExtension, distDir } from './build.ts';
import type { Target } from './manifests.ts';

/** Strings only the test hooks contain; none may reach a store build. */
export const TEST_HOOK_MARKERS = ['test/hook', 'pairkeyTest', 'offerTtlMs'];
/** The MAIN-world script runs in every frame of every secure page: it must stay small. */
export const MAIN_WORLD_MAX_BYTES = 10 * 1024;
/** The bridge runs in every frame too: no schema library or polyfill may creep back in (it was 67 KB with TypeBox). */
export const BRIDGE_MAX_BYTES = 8 * 1024;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

export function findTestHooks(dir: string): string[] {
  return files(dir).flatMap((path) => {
    const text = readFileSync(path, 'latin1');
    return TEST_HOOK_MARKERS.filter((marker) => text.includes(marker)).map((marker) => `${path}: ${marker}`);
  });
}

export async function packageExtension(target: Target): Promise<string> {
  const sourceDir = await buildExtension(target, { testHooks: false, outDir: `${distDir}/store/${target}` });
  const hooks = findTestHooks(sourceDir);
  if (hooks.length > 0) throw new Error(`Test hooks in the ${target} store build:\n${hooks.join('\n')}`);
  const mainWorld = statSync(join(sourceDir, 'extension/page/main-world.js')).size;
  if (mainWorld > MAIN_WORLD_MAX_BYTES) throw new Error(`The MAIN-world script is ${mainWorld} bytes (limit ${MAIN_WORLD_MAX_BYTES})`);
  const bridge = statSync(join(sourceDir, 'extension/bridge/bridge.js')).size;
  if (bridge > BRIDGE_MAX_BYTES) throw new Error(`The bridge script is ${bridge} bytes (limit ${BRIDGE_MAX_BYTES})`);
  if (target === 'firefox') {
    const lint = await webExt.cmd.lint({ sourceDir, selfHosted: false, warningsAsErrors: true, output: 'none' }, { shouldExitProgram: false });
    const { errors, warnings } = lint.summary;
    if (errors + warnings > 0) {
      const found = [...lint.errors, ...lint.warnings].map((m) => `${m.code}: ${m.message} (${m.file ?? ''})`);
      throw new Error(`web-ext lint: ${errors} errors, ${warnings} warnings\n${found.join('\n')}`);
    }
  }
  const { extensionPath } = await webExt.cmd.build(
    { sourceDir, artifactsDir: `${distDir}/packages`, filename: `pairkey-${target}-{version}.zip`, overwriteDest: true },
    { shouldExitProgram: false },
  );
  return extensionPath;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const target of ['chrome', 'firefox'] as const) console.log(`packaged ${target}: ${await packageExtension(target)}`);
}
