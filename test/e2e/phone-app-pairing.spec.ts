// Issue 11.1: a pairing link made by someone else's extension must not pair the phone. The
// attacker's extension end runs in the test process (the protocol's own PairingResponder on the
// real relay); the phone is the real app in a mobile Chromium. A link only ever *asks* to pair;
// nothing is kept until the person confirms the code on the phone, and "No, it differs" forgets
// the pairing on both sides.
import WebSocket from 'ws';
import {
  createPairingOffer,
  decodeFrame,
  encodePairingLink,
  generateStaticKeyPair,
  PairingResponder,
} from '../../shared/protocol/index.ts';
import { pairingRelayTarget, RelaySocket, type WebSocketFactory, type WebSocketLike } from '../../shared/relay-socket.ts';
import { PHONE_URL, RP_URL } from './fixtures.ts';
import { expect, test } from './phone-app-fixtures.ts';
import { expectAccessible, tabTo } from '../support/a11y.ts';

const nodeSocket: WebSocketFactory = (url) => new WebSocket(url) as unknown as WebSocketLike;

/** An attacker's extension end: shows (sends) a pairing link and answers the first handshake. */
async function attackerOffer() {
  const key = generateStaticKeyPair();
  const offer = createPairingOffer(RP_URL, key.publicKey, 120_000);
  const responder = new PairingResponder(key, offer.secret);
  const seen = { handshakes: 0, code: null as string | null, waiters: [] as (() => void)[] };
  const socket = await RelaySocket.connect(nodeSocket, pairingRelayTarget(RP_URL, offer.secret, 'extension'), {
    onFrame: (frame, relay) => {
      if (decodeFrame(frame).kind !== 'handshake-init') return;
      seen.handshakes += 1;
      const { reply, result } = responder.respond(frame);
      relay.send(reply);
      seen.code = result.confirmationCode;
      for (const wake of seen.waiters.splice(0)) wake();
    },
  });
  return {
    link: encodePairingLink(PHONE_URL, offer),
    seen,
    async paired(): Promise<string> {
      while (seen.code === null) await new Promise<void>((r) => seen.waiters.push(r));
      return seen.code;
    },
    close: () => socket.close(1000, 'done'),
  };
}

test('the attack as filed: opening a stranger\'s link neither pairs the phone nor survives a reload', async ({ phone }) => {
  const attacker = await attackerOffer();
  const app = await phone.open(attacker.link);
  // Whatever the app shows for the link (the old app paired at once and showed the code)…
  await expect(app.locator('[data-testid=pairing-consent]:visible, [data-testid=pairing-result]:visible')).toBeVisible();
  // …after a reload the phone is paired with nobody, and the attacker's end heard nothing.
  await app.reload();
  await app.getByTestId('tab-browsers').tap();
  await expect(app.getByTestId('no-browsers')).toBeVisible();
  await expect(app.getByTestId('link-status')).toHaveText('not paired');
  expect(attacker.seen.handshakes).toBe(0);
  attacker.close();
});

test('a link opened on the phone asks first and sends nothing until the person taps Continue', async ({ phone }) => {
  const attacker = await attackerOffer();
  const app = await phone.open(attacker.link);
  const consent = app.getByTestId('pairing-consent');
  await expect(consent).toBeVisible();
  await expect(consent).toContainText('Pair with a browser?');
  await expect(app).not.toHaveURL(/#pk1\./);
  // Saying no sends nothing and keeps nothing.
  await app.getByTestId('pairing-decline').tap();
  await expect(consent).toBeHidden();
  await app.reload();
  await app.getByTestId('tab-browsers').tap();
  await expect(app.getByTestId('no-browsers')).toBeVisible();
  await expect(app.getByTestId('link-status')).toHaveText('not paired');
  expect(attacker.seen.handshakes).toBe(0);

  // A link that arrives while the app is open (hashchange) asks the same question.
  await app.evaluate((link) => (location.hash = new URL(link).hash), attacker.link);
  await expect(consent).toBeVisible();
  expect(attacker.seen.handshakes).toBe(0);
  attacker.close();
});

test('a pairing the person never confirmed is not kept, and gets no request', async ({ phone }) => {
  const attacker = await attackerOffer();
  const app = await phone.open(attacker.link);
  await app.getByTestId('pairing-continue').tap();
  // The handshake ran (the person agreed to start), so both sides see the same code…
  const code = await attacker.paired();
  await expect(app.getByTestId('pairing-code')).toHaveText(code);
  // …but until "Yes, it matches" the phone stores nothing and goes online for nobody.
  await expect(app.getByTestId('no-browsers')).toBeVisible();
  await app.reload();
  await app.getByTestId('tab-browsers').tap();
  await expect(app.getByTestId('no-browsers')).toBeVisible();
  await expect(app.getByTestId('link-status')).toHaveText('not paired');
  await expect(app.getByTestId('pairing-result')).toBeHidden();
  attacker.close();
});

test('"No, it differs" forgets the pairing on the phone and tells the extension', async ({ popup, phone }) => {
  const app = await phone.open((await popup.getByTestId('pairing-link').textContent())!);
  await app.getByTestId('pairing-continue').tap();
  await expect(app.getByTestId('pairing-code')).toHaveText(/^\d{6}$/);
  await expect(popup.getByTestId('pairing-code')).toHaveText((await app.getByTestId('pairing-code').textContent())!);
  await app.getByTestId('pairing-mismatch').tap();
  await expect(app.getByTestId('pairing-result')).toBeHidden();
  await expect(app.getByTestId('no-browsers')).toBeVisible();
  // The extension hears `unpair` from the phone and drops the unconfirmed phone.
  await expect(popup.getByTestId('phone-item')).toHaveCount(0);
  await expect(popup.getByTestId('pairing-qr')).toBeVisible();
});

test('pairing with the keyboard alone on both screens, each screen audited; the pairing shows which browser is asking, and when it was paired', async ({ popup, phone }) => {
  // axe audits take seconds each on a loaded machine.
  test.setTimeout(120_000);
  await expectAccessible(popup, 'popup with a pairing code');
  const app = await phone.open((await popup.getByTestId('pairing-link').textContent())!);
  await expect(app.getByTestId('pairing-consent')).toContainText('Browser 1');
  await expectAccessible(app, 'phone app: pairing consent');
  // From here on only key presses: Tab to each button, Enter to press it.
  await tabTo(app, 'pairing-continue');
  await app.keyboard.press('Enter');
  await expect(app.getByTestId('pairing-code')).toHaveText(/^\d{6}$/);
  await expectAccessible(app, 'phone app: codes to compare');
  await expect(popup.getByTestId('pairing-code')).toHaveText((await app.getByTestId('pairing-code').textContent())!);
  await tabTo(popup, 'pairing-confirm');
  await popup.keyboard.press('Enter');
  await tabTo(app, 'pairing-match');
  await app.keyboard.press('Enter');
  await expect(app.getByTestId('browser')).toHaveCount(1);
  await expectAccessible(app, 'phone app: paired browsers');
  await expect(popup.getByTestId('phone-status')).toBeVisible();
  await expectAccessible(popup, 'popup with a paired phone');
  await app.reload();
  await app.getByTestId('tab-browsers').tap();
  await expect(app.getByTestId('browser')).toHaveCount(1);
  await expect(app.getByTestId('browser')).toContainText('paired');
});
