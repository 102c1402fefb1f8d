// A small tmpfs for the disk-full faults: mounted for the test file, filled with a file until
// the kernel says ENOSPC, and freed again by deleting that file.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SmallDisk {
  path: string;
  /** Fill it up; returns a function that frees the space again. */
  fill(): () => void;
  unmount(): void;
}

/** Mounts a tmpfs of `size` (e.g. "8m"), or returns why it cannot (not Linux, not root, no CAP_SYS_ADMIN). */
export function mountSmallDisk(size: string): SmallDisk | string {
  if (process.platform !== 'linux') return 'tmpfs mounts need Linux';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const path = mkdtempSync(join(tmpdir(), 'pairkey-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', path], { stdio: 'pipe' });
  } catch (error) {
    rmSync(path, { recursive: true, force: true });
    return `mount -t tmpfs failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
  }
  return {
    path,
    fill: () => {
      const filler = join(path, 'filler');
      const fd = openSync(filler, 'w');
      try {
        // Big chunks first, then smaller ones, down to the last free byte.
        for (const chunk of [1 << 20, 1 << 12, 1]) {
          const zeros = Buffer.alloc(chunk);
          for (;;) {
            try {
              writeSync(fd, zeros);
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
              throw error;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
      return () => rmSync(filler);
    },
    unmount: () => {
      execFileSync('umount', [path]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}
