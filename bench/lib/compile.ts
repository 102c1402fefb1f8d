// Servers whose memory is measured run as plain JavaScript, as a production deployment would,
// not under tsx: tsx's loader thread alone adds about 27 MiB of RSS to a process. Vite (already
// the extension's bundler) builds the module for Node with its packages left as imports.
import { build } from 'vite';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Inside the repository, so the bundle's package imports resolve from its node_modules. */
const OUT_DIR = fileURLToPath(new URL('../.build/', import.meta.url));

const builds = new Map<string, Promise<string>>();

/** Build bench/`module` once per run; resolves with the path of the .mjs file. */
export function compiled(module: string): Promise<string> {
  let done = builds.get(module);
  if (!done) {
    const name = basename(module, '.ts');
    done = build({
      configFile: false,
      root: ROOT,
      logLevel: 'warn',
      build: {
        ssr: `bench/${module}`,
        outDir: OUT_DIR,
        emptyOutDir: false,
        target: 'node20',
        minify: false,
        rollupOptions: { output: { format: 'esm', entryFileNames: `${name}.mjs` } },
      },
    }).then(() => `${OUT_DIR}${name}.mjs`);
    builds.set(module, done);
  }
  return done;
}
