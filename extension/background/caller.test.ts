import type { Runtime } from 'webextension-polyfill';
import { describe, expect, it } from 'vitest';
import type { FrameInfo } from '../runtime-messages.ts';
import { callerOf } from './caller.ts';

const frame = (f: Partial<FrameInfo> = {}): FrameInfo => ({ top: false, ancestorOrigins: null, permitted: null, userActivation: false, ...f });
const sender = (s: Partial<Runtime.MessageSender> & { origin?: string }): Runtime.MessageSender =>
  ({ id: 'ext', tab: { id: 7, index: 0, highlighted: false, active: true, pinned: false, incognito: false, url: 'https://top.example/page' }, frameId: 0, ...s }) as Runtime.MessageSender;

describe('callerOf', () => {
  it('takes the origin from the browser’s report (Chrome: origin, Firefox: url), never from the page', () => {
    expect(callerOf(sender({ origin: 'https://a.example', url: 'https://ignored.example/' }), frame({ top: true }))).toEqual({
      origin: 'https://a.example',
      topOrigin: 'https://a.example',
      crossOrigin: false,
      tabId: 7,
      frameId: 0,
    });
    expect(callerOf(sender({ url: 'https://b.example/x?y' }), frame({ top: true }))?.origin).toBe('https://b.example');
  });

  it('refuses opaque origins and senders without a tab or frame', () => {
    expect(callerOf(sender({ origin: 'null' }), frame())).toBeNull();
    expect(callerOf(sender({ url: 'data:text/html,hi' }), frame())).toBeNull();
    expect(callerOf({ ...sender({ origin: 'https://a.example' }), tab: undefined }, frame())).toBeNull();
  });

  it('marks a frame cross-origin when any ancestor differs, and names the top origin', () => {
    const child = sender({ origin: 'https://child.example', frameId: 3 });
    expect(callerOf(child, frame({ ancestorOrigins: ['https://top.example'] }))).toMatchObject({ crossOrigin: true, topOrigin: 'https://top.example' });
    // Same origin as its parent but under a cross-origin ancestor: still cross-origin.
    expect(callerOf(child, frame({ ancestorOrigins: ['https://child.example', 'https://top.example'] }))).toMatchObject({ crossOrigin: true, topOrigin: 'https://top.example' });
    const same = sender({ origin: 'https://top.example', frameId: 3 });
    expect(callerOf(same, frame({ ancestorOrigins: ['https://top.example'] }))).toMatchObject({ crossOrigin: false });
    // Without ancestorOrigins, the tab's URL gives the top origin.
    expect(callerOf(child, frame())).toMatchObject({ crossOrigin: true, topOrigin: 'https://top.example' });
  });
});
