// Stopping and starting an extension's service worker through the DevTools ServiceWorker domain,
// as Chrome does to an idle MV3 worker, and timing its start from the worker's own status events.
import type { BrowserContext, CDPSession } from 'playwright-core';
import { now } from '../lib/clock.ts';

type RunningStatus = 'stopped' | 'starting' | 'running' | 'stopping';

interface VersionsUpdated {
  versions: { scriptURL: string; runningStatus: RunningStatus }[];
}

export class WorkerControl {
  private status: RunningStatus | null = null;
  private waiters: (() => boolean)[] = [];

  private constructor(
    private readonly cdp: CDPSession,
    private readonly scope: string,
  ) {
    cdp.on('ServiceWorker.workerVersionUpdated', (event: VersionsUpdated) => {
      const version = event.versions.find((v) => v.scriptURL.startsWith(scope));
      if (!version) return;
      this.status = version.runningStatus;
      this.waiters = this.waiters.filter((w) => !w());
    });
  }

  /** `extensionId`'s worker, watched from a blank page of the same browser. */
  static async attach(context: BrowserContext, extensionId: string): Promise<WorkerControl> {
    const page = await context.newPage();
    await page.goto('about:blank');
    const cdp = await context.newCDPSession(page);
    const control = new WorkerControl(cdp, `chrome-extension://${extensionId}/`);
    await cdp.send('ServiceWorker.enable');
    return control;
  }

  private until(status: RunningStatus): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the service worker did not reach ${status} in 30 s`)), 30_000);
      const check = () => {
        if (this.status !== status) return false;
        clearTimeout(timer);
        resolve();
        return true;
      };
      if (!check()) this.waiters.push(check);
    });
  }

  /** Stop the worker (as Chrome does after 30 s idle) and wait until it is stopped. */
  async stop(): Promise<void> {
    await this.until('running');
    await this.cdp.send('ServiceWorker.stopAllWorkers');
    await this.until('stopped');
  }

  /** Start the stopped worker; resolves with ms from the request to the worker running its script. */
  async start(): Promise<number> {
    const started = now();
    await this.cdp.send('ServiceWorker.startWorker', { scopeURL: this.scope });
    await this.until('running');
    return now() - started;
  }

  /** Resolves once the worker runs again (after something woke it). */
  running(): Promise<void> {
    return this.until('running');
  }
}
