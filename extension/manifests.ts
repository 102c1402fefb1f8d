// Derive each browser's manifest from the one base manifest at the repository root.
// Browser differences in the manifest live here and nowhere else.
import base from '../manifest.json' with { type: 'json' };

export type Target = 'chrome' | 'firefox';

export const GECKO_ID = 'pairkey@pairkey.dev';

type Manifest = Record<string, unknown>;

export function manifestFor(target: Target): Manifest {
  const manifest: Manifest = structuredClone(base);
  if (target === 'chrome') {
    // Chrome only: the second interception path (background/webauthn-proxy.ts).
    return { ...manifest, permissions: [...base.permissions, 'webAuthenticationProxy'] };
  }
  // Firefox runs MV3 backgrounds as event pages (`scripts`), not service workers.
  const { service_worker, ...background } = base.background;
  return {
    ...manifest,
    background: { ...background, scripts: [service_worker] },
    browser_specific_settings: {
      gecko: {
        id: GECKO_ID,
        strict_min_version: '140.0',
        data_collection_permissions: { required: ['none'] },
      },
      gecko_android: { strict_min_version: '142.0' },
    },
  };
}
