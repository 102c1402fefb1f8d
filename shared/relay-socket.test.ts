import { describe, expect, it } from 'vitest';
import { pairingRelayTarget, RelaySocket, type WebSocketLike } from './relay-socket.ts';

function fakeSocket(): WebSocketLike & { url: string; sent: (Uint8Array | string)[] } {
  return {
    url: '',
    sent: [],
    binaryType: 'blob',
    readyState: 1,
    onopen: null,
    onmessage: null,
    onclose: null,
    onerror: null,
    send(data) {
      this.sent.push(data);
    },
    close() {},
  };
}

describe('RelaySocket', () => {
  it('dials the channel name and sends its seat proof as the first message, never in the URL', async () => {
    const socket = fakeSocket();
    const target = pairingRelayTarget('https://relay.test/base', new Uint8Array(32).fill(3), 'phone');
    const connecting = RelaySocket.connect((url) => Object.assign(socket, { url }), target, {});
    socket.onopen?.({});
    const relay = await connecting;
    expect(socket.url).toMatch(/^wss:\/\/relay\.test\/base\/relay\/[A-Za-z0-9_-]{43}$/);
    expect(socket.url).not.toContain(target.join.token);
    expect(socket.sent).toEqual([JSON.stringify(target.join)]);
    relay.send(new Uint8Array([1]));
    expect(socket.sent[1]).toEqual(new Uint8Array([1]));
  });
});
