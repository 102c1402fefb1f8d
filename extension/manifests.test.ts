// The manifests the stores review: minimal permissions (each one documented in docs/extension.md),
// a strict CSP for extension pages, content scripts early enough to wrap WebAuthn in every frame.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GECKO_ID, manifestFor } from './manifests.ts';

type Manifest = {
  permissions: string[];
  host_permissions?: string[];
  content_security_policy: { extension_pages: string };
  content_scripts: { js: string[]; run_at: string; all_frames: boolean; world?: string; matches: string[] }[];
  background: Record<string, unknown>;
  browser_specific_settings?: { gecko: { id: string } };
  default_locale: string;
  name: string;
};

const chrome = manifestFor('chrome') as Manifest;
const firefox = manifestFor('firefox') as Manifest;
const docs = readFileSync(new URL('../docs/extension.md', import.meta.url), 'utf8');

describe('manifests', () => {
  it('ask for storage only, plus webAuthenticationProxy in Chrome, and https hosts only (related origins)', () => {
    expect(firefox.permissions).toEqual(['storage']);
    expect(chrome.permissions).toEqual(['storage', 'webAuthenticationProxy']);
    // The background fetches /.well-known/webauthn (WebAuthn L3 §5.11); the content scripts already
    // run on every https page, so the install warning does not grow.
    expect(chrome.host_permissions).toEqual(['https://*/*']);
    expect(firefox.host_permissions).toEqual(['https://*/*']);
    expect(chrome.content_scripts.every((s) => s.matches.includes('https://*/*'))).toBe(true);
  });

  it('document every permission and every content-script match in docs/extension.md', () => {
    for (const permission of chrome.permissions) expect(docs).toContain(`\`${permission}\``);
    for (const match of chrome.content_scripts.flatMap((s) => s.matches)) expect(docs).toContain(`\`${match}\``);
  });

  it('give extension pages a strict CSP: own scripts only, no eval, no remote code', () => {
    const csp = chrome.content_security_policy.extension_pages;
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe|https?:\/\/|\*/);
    expect(firefox.content_security_policy).toEqual(chrome.content_security_policy);
  });

  it('inject the MAIN-world script and the bridge at document_start in every frame', () => {
    const [main, bridge] = chrome.content_scripts;
    expect(main).toMatchObject({ run_at: 'document_start', all_frames: true, world: 'MAIN', js: ['extension/page/main-world.ts'] });
    expect(bridge).toMatchObject({ run_at: 'document_start', all_frames: true, js: ['extension/bridge/bridge.ts'] });
    expect(bridge!.world).toBeUndefined();
    expect(firefox.content_scripts).toEqual(chrome.content_scripts);
  });

  it('run Firefox as an event page with a fixed add-on id, Chrome as a service worker', () => {
    expect(firefox.background).toEqual({ scripts: ['extension/background/index.ts'], type: 'module' });
    expect(chrome.background).toEqual({ service_worker: 'extension/background/index.ts', type: 'module' });
    expect(firefox.browser_specific_settings?.gecko.id).toBe(GECKO_ID);
  });

  it('take the name from the locale files', () => {
    expect(chrome.name).toBe('__MSG_extName__');
    expect(chrome.default_locale).toBe('en');
  });
});
