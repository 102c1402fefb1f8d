// The ceremony port server: one runtime port per frame, opened by the bridge at the frame's first
// ceremony. It checks who connected, validates every message on the port, runs each ceremony and
// posts its result. When the page script must call the browser itself (passthrough, or conditional
// mediation alongside), it steps the Chrome proxy aside until that call has settled.
import { Value } from '@sinclair/typebox/value';
import type { Runtime } from 'webextension-polyfill';
import { CeremonyMessageSchema, type CeremonyReply, type CeremonyStart } from '../runtime-messages.ts';
import { callerOf } from './caller.ts';
import { checkFramePermission } from './frame-permission.ts';
import { runCeremony } from './requests.ts';
import { isOwnContentScript } from './senders.ts';
import { parsePageOptions } from './webauthn-client.ts';
import { browserCallStarting } from './webauthn-proxy.ts';

/** Open ceremony ports and how to end every ceremony on each. */
const ceremonyPorts = new Map<Runtime.Port, () => void>();

/**
 * A frame's ceremony port. The bridge opens it at the frame's first ceremony and keeps it for the
 * frame's life, so later ceremonies cost one message instead of a new channel through the browser
 * (docs/performance.md). Ceremonies on it are told apart by the bridge's ids; the sender is the
 * port's, fixed by the browser when it was opened.
 */
export function serveCeremony(port: Runtime.Port): void {
  const sender = port.sender;
  if (!sender || !isOwnContentScript(sender)) return port.disconnect();
  const running = new Map<number, OneCeremony>();
  /** Ids already used on this port: a ceremony runs once, and a late cancel finds nothing. */
  let highestId = 0;
  const post = (reply: CeremonyReply) => {
    try {
      port.postMessage(reply);
    } catch {
      // the frame went away
    }
  };

  const endAll = () => {
    ceremonyPorts.delete(port);
    for (const ceremony of running.values()) ceremony.end();
    running.clear();
  };
  ceremonyPorts.set(port, endAll);
  port.onDisconnect.addListener(endAll);
  port.onMessage.addListener((raw: unknown) => {
    // Only the bridge talks on this port; anything off-schema means something is wrong: hang up.
    if (!Value.Check(CeremonyMessageSchema, raw)) {
      port.disconnect();
      return endAll();
    }
    if (raw.type === 'keepalive') return;
    if (raw.type === 'start') {
      if (raw.id <= highestId) return;
      highestId = raw.id;
      const ceremony = new OneCeremony(sender, raw, post, () => running.delete(raw.id));
      running.set(raw.id, ceremony);
      void ceremony.run();
    } else if (raw.type === 'cancel') {
      running.get(raw.id)?.end();
    } else if (raw.type === 'native-done') {
      running.get(raw.id)?.browserCallSettled();
    }
  });
}

/** One ceremony on a frame's port, from its start to its result (or the page going away). */
class OneCeremony {
  readonly #pageGone = new AbortController();
  #browserCallDone: (() => void) | null = null;
  /** Its result was `passthrough`: it ends when the page's own browser call has settled. */
  #passedThrough = false;

  constructor(
    private readonly sender: Runtime.MessageSender,
    private readonly message: CeremonyStart,
    private readonly post: (reply: CeremonyReply) => void,
    private readonly forget: () => void,
  ) {}

  async run(): Promise<void> {
    const { message, sender } = this;
    const id = message.id;
    const caller = callerOf(sender, message.frame);
    // An opaque or unknown origin is left to the browser, which refuses it as the spec says.
    if (!caller) return this.#finish({ type: 'result', id, result: { status: 'passthrough' } });
    const result = await runCeremony({
      kind: message.kind,
      caller,
      mediation: message.mediation,
      parse: () => parsePageOptions(message.kind, message.options),
      checkFrame: () => checkFramePermission(caller, message.kind, message.frame),
      canUseBrowser: true,
      startNativeAlongside: () => void this.#startBrowserCall().then(() => this.post({ type: 'start-native', id })),
      pageSignal: this.#pageGone.signal,
    });
    if (this.#pageGone.signal.aborted) return;
    // Step the proxy aside before the page calls the browser, so the browser's own UI answers.
    // The ceremony stays known until the page says the browser's call has settled (native-done).
    if (result.status === 'passthrough') {
      await this.#startBrowserCall();
      if (this.#pageGone.signal.aborted) return;
      this.#passedThrough = true;
      this.post({ type: 'result', id, result });
      return;
    }
    this.#finish({ type: 'result', id, result });
  }

  /** The page cancelled, or its frame went away. */
  end(): void {
    this.#pageGone.abort();
    this.endBrowserCall();
    this.forget();
  }

  /** The page's own browser call settled: after a passthrough, that ends the ceremony. */
  browserCallSettled(): void {
    if (this.#passedThrough) this.end();
    else this.endBrowserCall();
  }

  endBrowserCall(): void {
    this.#browserCallDone?.();
    this.#browserCallDone = null;
  }

  #finish(reply: CeremonyReply): void {
    this.forget();
    this.endBrowserCall();
    this.post(reply);
  }

  async #startBrowserCall(): Promise<void> {
    this.endBrowserCall();
    this.#browserCallDone = await browserCallStarting();
    if (this.#pageGone.signal.aborted) this.endBrowserCall();
  }
}

/** Hang up every ceremony port, as the browser does when it stops the background (test hook). */
export function dropCeremonies(): void {
  for (const [port, end] of ceremonyPorts) {
    port.disconnect();
    end();
  }
}
