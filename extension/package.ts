// `npm run package`: store-ready zips for both browsers, in dist/packages (PAIRKEY_DIST_DIR moves
// dist/). Store builds go to dist/store/<browser> first: no test hooks (checked), and the
// Firefox one must pass `web-ext lint` with no errors and no warnings.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import webExt from 'web-ext';
import { buildLoadable, distDir } from './build.ts';
import type { Target } from './manifests.ts';

export { findTestHooks, TEST_HOOK_MARKERS } from './build.ts';
/** The MAIN-world script runs in every frame of every secure page: it must stay small. */
export const MAIN_WORLD_MAX_BYTES = 10 * 1024;
/** The bridge runs in every frame too: no schema library or polyfill may creep back in (it was 67 KB with TypeBox). */
export const BRIDGE_MAX_BYTES = 8 * 1024;

export async function packageExtension(target: Target): Promise<string> {
  // The same hook-free build as dist/<browser>, checked the same way.
  const sourceDir = await buildLoadable(target, `${distDir}/store/${target}`);
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
