// The extension runtime as the bridge uses it, without webextension-polyfill: Firefox gives
// content scripts `browser` (promises), Chrome MV3 gives `chrome`, whose connect and sendMessage
// return promises too. The only listener that answers with a promise (frame-policy.ts) runs in
// Firefox alone. Keeping the polyfill out keeps the script injected into every frame small.
import type { Runtime } from 'webextension-polyfill';

type Global = { browser?: { runtime: Runtime.Static }; chrome?: { runtime: Runtime.Static } };

const scope = globalThis as unknown as Global;

export const runtime: Runtime.Static = (scope.browser ?? scope.chrome)!.runtime;
