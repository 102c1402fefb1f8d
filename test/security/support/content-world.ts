// Pairkey's own content-script world in a page, found through DevTools: code run there stands in
// for a compromised Pairkey content script (the isolated world every frame of every site gets).
import { expect, type BrowserContext, type CDPSession, type Page } from '@playwright/test';

export interface ContentWorld {
  session: CDPSession;
  /** Evaluate `expression` in the content-script world; promises are awaited, the value returned as JSON. */
  run: <T>(expression: string) => Promise<T>;
}

/** Opens `url` in `page` and returns Pairkey's isolated world there (the world Chromium names after the extension). */
export async function pairkeyContentWorld(context: BrowserContext, page: Page, url: string, extensionName = 'Pairkey'): Promise<ContentWorld> {
  const session = await context.newCDPSession(page);
  const worlds: { id: number; name: string; origin: string }[] = [];
  session.on('Runtime.executionContextCreated', ({ context: c }) => {
    const aux = c.auxData as { type?: string; isDefault?: boolean } | undefined;
    if (aux?.type === 'isolated' || aux?.isDefault === false) worlds.push({ id: c.id, name: c.name, origin: c.origin });
  });
  await session.send('Runtime.enable');
  await page.goto(url);
  // By name only: another extension's isolated world has a chrome-extension:// origin too.
  const ours = () => worlds.filter((w) => w.name === extensionName);
  await expect.poll(() => ours().length).toBeGreaterThan(0);
  const world = ours().at(-1)!;
  return {
    session,
    run: async <T>(expression: string) => {
      const { result, exceptionDetails } = await session.send('Runtime.evaluate', { expression, contextId: world.id, awaitPromise: true, returnByValue: true });
      if (exceptionDetails) throw new Error(`in the content-script world: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
      return result.value as T;
    },
  };
}
