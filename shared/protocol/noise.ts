// The Noise Protocol Framework, revision 34 (https://noiseprotocol.org/noise.html), for the one
// suite Pairkey uses: 25519_ChaChaPoly_SHA256. This module is the spec's §5 state machines
// written out with audited primitives (@noble/*); it invents nothing. Section numbers in the
// comments refer to that document. It is tested byte for byte against published vectors.
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { expand, extract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8Encode } from '../bytes.ts';
import { ProtocolError } from './errors.ts';
import { assertPublicKey, dh, generateStaticKeyPair, X25519_KEY_BYTES, type StaticKeyPair } from './keys.ts';

export const DHLEN = X25519_KEY_BYTES;
export const HASHLEN = 32;
export const TAGLEN = 16;
/** §3: every Noise message, handshake or transport, is at most 65535 bytes. */
export const MAX_NOISE_MESSAGE_BYTES = 65535;
export const NOISE_SUITE = '25519_ChaChaPoly_SHA256';

const EMPTY = new Uint8Array(0);
// §5.1: nonce 2^64-1 is reserved; reaching it means the session must end.
const MAX_NONCE = (1n << 64n) - 1n;

// ---------------------------------------------------------------------------------------------
// CipherState (§5.1)

/** ChaChaPoly nonce (§12.3): 32 bits of zeros, then the 64-bit counter little-endian. */
function chachaNonce(n: bigint): Uint8Array {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setBigUint64(4, n, true);
  return nonce;
}

export class CipherState {
  #k: Uint8Array | null = null;
  #n = 0n;

  constructor(key?: Uint8Array) {
    if (key) this.initializeKey(key);
  }

  initializeKey(key: Uint8Array | null): void {
    if (key !== null && key.length !== 32) throw new ProtocolError('handshake', 'A cipher key must be 32 bytes.');
    this.#k = key === null ? null : Uint8Array.from(key);
    this.#n = 0n;
  }

  hasKey(): boolean {
    return this.#k !== null;
  }

  /** The counter the next encryption or decryption will use. */
  get nonce(): bigint {
    return this.#n;
  }

  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (this.#k === null) return Uint8Array.from(plaintext);
    if (this.#n >= MAX_NONCE) throw new ProtocolError('closed', 'This session has sent 2^64-1 messages and must be renewed.');
    const out = chacha20poly1305(this.#k, chachaNonce(this.#n), ad).encrypt(plaintext);
    this.#n += 1n;
    return out;
  }

  /** On an authentication failure the counter is NOT advanced (§5.1) and 'decrypt' is thrown. */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.#k === null) return Uint8Array.from(ciphertext);
    if (this.#n >= MAX_NONCE) throw new ProtocolError('closed', 'This session has received 2^64-1 messages and must be renewed.');
    let plaintext: Uint8Array;
    try {
      plaintext = chacha20poly1305(this.#k, chachaNonce(this.#n), ad).decrypt(ciphertext);
    } catch (cause) {
      throw new ProtocolError('decrypt', 'A message failed authentication: it was tampered with, replayed, reordered, or sent with other keys.', { cause });
    }
    this.#n += 1n;
    return plaintext;
  }
}

// ---------------------------------------------------------------------------------------------
// SymmetricState (§5.2)

/** HKDF of §4.3 with two outputs; identical to RFC 5869 HKDF with salt = ck and empty info. */
function hkdf2(chainingKey: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const out = expand(sha256, extract(sha256, ikm, chainingKey), EMPTY, 2 * HASHLEN);
  return [out.slice(0, HASHLEN), out.slice(HASHLEN)];
}

function hkdf3(chainingKey: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  const out = expand(sha256, extract(sha256, ikm, chainingKey), EMPTY, 3 * HASHLEN);
  return [out.slice(0, HASHLEN), out.slice(HASHLEN, 2 * HASHLEN), out.slice(2 * HASHLEN)];
}

export class SymmetricState {
  #ck: Uint8Array;
  #h: Uint8Array;
  readonly cipher = new CipherState();

  constructor(protocolName: string) {
    const name = utf8Encode(protocolName);
    if (name.length <= HASHLEN) {
      this.#h = new Uint8Array(HASHLEN);
      this.#h.set(name);
    } else {
      this.#h = sha256(name);
    }
    this.#ck = Uint8Array.from(this.#h);
  }

  mixKey(ikm: Uint8Array): void {
    const [ck, tempK] = hkdf2(this.#ck, ikm);
    this.#ck = ck;
    this.cipher.initializeKey(tempK);
  }

  mixHash(data: Uint8Array): void {
    this.#h = sha256(concatBytes(this.#h, data));
  }

  mixKeyAndHash(ikm: Uint8Array): void {
    const [ck, tempH, tempK] = hkdf3(this.#ck, ikm);
    this.#ck = ck;
    this.mixHash(tempH);
    this.cipher.initializeKey(tempK);
  }

  get handshakeHash(): Uint8Array {
    return Uint8Array.from(this.#h);
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cipher.encryptWithAd(this.#h, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.cipher.decryptWithAd(this.#h, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** Returns [c1, c2]: c1 carries initiator→responder traffic, c2 the other direction. */
  split(): [CipherState, CipherState] {
    const [k1, k2] = hkdf2(this.#ck, EMPTY);
    return [new CipherState(k1), new CipherState(k2)];
  }
}

// ---------------------------------------------------------------------------------------------
// Handshake patterns (§7) and psk modifiers (§9)

export type MessageToken = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss' | 'psk';
/** Only static keys occur in the pre-messages of the patterns supported here (§7.5). */
export type PreMessageToken = 's';

export interface HandshakePattern {
  /** e.g. 'IKpsk2' */
  name: string;
  initiatorPreMessage: readonly PreMessageToken[];
  responderPreMessage: readonly PreMessageToken[];
  /** Message i is sent by the initiator when i is even, by the responder when i is odd. */
  messages: readonly (readonly MessageToken[])[];
  psk: boolean;
}

interface BasePattern {
  initiatorPreMessage: readonly PreMessageToken[];
  responderPreMessage: readonly PreMessageToken[];
  messages: readonly (readonly MessageToken[])[];
}

/**
 * The interactive patterns this module knows, copied from §7.5. Each row is exercised by a
 * published vector in noise.test.ts (IK through IKpsk2); add a row only together with its
 * vectors. One-way patterns (N, K, X) are deliberately not supported.
 */
const BASE_PATTERNS = {
  NN: { initiatorPreMessage: [], responderPreMessage: [], messages: [['e'], ['e', 'ee']] },
  KK: {
    initiatorPreMessage: ['s'],
    responderPreMessage: ['s'],
    messages: [['e', 'es', 'ss'], ['e', 'ee', 'se']],
  },
  IK: {
    initiatorPreMessage: [],
    responderPreMessage: ['s'],
    messages: [['e', 'es', 's', 'ss'], ['e', 'ee', 'se']],
  },
} as const satisfies Record<string, BasePattern>;

export type BasePatternName = keyof typeof BASE_PATTERNS;
export const BASE_PATTERN_NAMES = Object.keys(BASE_PATTERNS) as BasePatternName[];

/** The two handshakes Pairkey runs: first pairing, and every later session. */
export const PAIRING_PATTERN = 'IKpsk2';
export const RECONNECT_PATTERN = 'KK';
export const PAIRING_PROTOCOL_NAME = `Noise_${PAIRING_PATTERN}_${NOISE_SUITE}`;
export const RECONNECT_PROTOCOL_NAME = `Noise_${RECONNECT_PATTERN}_${NOISE_SUITE}`;

/** Parse 'KK', 'IKpsk2', 'NNpsk0+psk2', … into token lists, applying psk modifiers per §9.2. */
export function resolvePattern(name: string): HandshakePattern {
  const match = /^([A-Z]{1,2})((?:psk\d+)(?:\+psk\d+)*)?$/.exec(name);
  const base = match ? (BASE_PATTERNS as Record<string, BasePattern | undefined>)[match[1]!] : undefined;
  if (!match || !base) throw new ProtocolError('handshake', `Unknown Noise handshake pattern "${name}".`);
  const messages = base.messages.map((m) => [...m]);
  const modifiers = match[2] ? match[2].split('+') : [];
  for (const modifier of modifiers) {
    const position = Number(modifier.slice(3));
    // psk0 goes first in the first message; pskN goes last in message N (§9.2).
    if (position === 0) messages[0]!.unshift('psk');
    else if (position <= messages.length) messages[position - 1]!.push('psk');
    else throw new ProtocolError('handshake', `The modifier ${modifier} does not fit pattern "${name}".`);
  }
  return {
    name,
    initiatorPreMessage: base.initiatorPreMessage,
    responderPreMessage: base.responderPreMessage,
    messages,
    psk: modifiers.length > 0,
  };
}

// ---------------------------------------------------------------------------------------------
// HandshakeState (§5.3)

export interface HandshakeOptions {
  /** Pattern with modifiers, e.g. 'IKpsk2'; the protocol name is Noise_<pattern>_25519_ChaChaPoly_SHA256. */
  pattern: string;
  initiator: boolean;
  prologue?: Uint8Array;
  /** Local static key pair. */
  s?: StaticKeyPair;
  /** Remote static public key, when the pattern has it as a pre-message. */
  rs?: Uint8Array;
  /** Fixed local ephemeral key pair. Only for test vectors: an ephemeral must never be reused. */
  e?: StaticKeyPair;
  /** One 32-byte PSK per psk token, in the order the tokens occur. */
  psks?: Uint8Array[];
  /** Ephemeral key generator; defaults to the CSPRNG. */
  generateKeyPair?: () => StaticKeyPair;
}

export interface TransportCiphers {
  /** Encrypts what this side sends. */
  send: CipherState;
  /** Decrypts what this side receives. */
  receive: CipherState;
}

export class HandshakeState {
  readonly pattern: HandshakePattern;
  readonly protocolName: string;
  readonly initiator: boolean;
  readonly #symmetric: SymmetricState;
  readonly #generateKeyPair: () => StaticKeyPair;
  #s: StaticKeyPair | null;
  #e: StaticKeyPair | null;
  #rs: Uint8Array | null;
  #re: Uint8Array | null = null;
  readonly #psks: Uint8Array[];
  #messageIndex = 0;
  #failed = false;
  #transport: TransportCiphers | null = null;
  #handshakeHash: Uint8Array | null = null;

  constructor(options: HandshakeOptions) {
    this.pattern = resolvePattern(options.pattern);
    this.protocolName = `Noise_${options.pattern}_${NOISE_SUITE}`;
    this.initiator = options.initiator;
    this.#generateKeyPair = options.generateKeyPair ?? generateStaticKeyPair;
    if (options.s !== undefined) assertPublicKey(options.s.publicKey, 'local static public key');
    this.#s = options.s ?? null;
    this.#e = options.e ?? null;
    if (options.rs !== undefined) assertPublicKey(options.rs, 'remote static key');
    this.#rs = options.rs ? Uint8Array.from(options.rs) : null;
    this.#psks = (options.psks ?? []).map((p) => Uint8Array.from(p));

    const pskTokens = this.pattern.messages.flat().filter((t) => t === 'psk').length;
    if (this.#psks.length !== pskTokens) {
      throw new ProtocolError('handshake', `Pattern ${options.pattern} needs ${pskTokens} PSK(s), got ${this.#psks.length}.`);
    }
    if (this.#psks.some((p) => p.length !== 32)) throw new ProtocolError('handshake', 'Every Noise PSK must be 32 bytes.');

    this.#symmetric = new SymmetricState(this.protocolName);
    this.#symmetric.mixHash(options.prologue ?? EMPTY);
    // Pre-messages (§5.3 Initialize): the initiator's keys first, then the responder's.
    this.#mixPreMessage(this.pattern.initiatorPreMessage, this.initiator);
    this.#mixPreMessage(this.pattern.responderPreMessage, !this.initiator);
  }

  #mixPreMessage(tokens: readonly PreMessageToken[], local: boolean): void {
    for (const _token of tokens) {
      const key = local ? this.#s?.publicKey : (this.#rs ?? undefined);
      if (!key) {
        throw new ProtocolError('handshake', `Pattern ${this.pattern.name} needs the ${local ? 'local' : 'remote'} static key up front.`);
      }
      this.#symmetric.mixHash(key);
    }
  }

  get isComplete(): boolean {
    return this.#transport !== null;
  }

  /** True when the next step on this side is writeMessage (false: readMessage). */
  get isMyTurn(): boolean {
    return (this.#messageIndex % 2 === 0) === this.initiator;
  }

  /** The remote static key, once known (pre-message or received). */
  get remoteStaticKey(): Uint8Array | null {
    return this.#rs ? Uint8Array.from(this.#rs) : null;
  }

  /** The handshake hash h (§11.2), available once the handshake is complete. */
  get handshakeHash(): Uint8Array {
    if (!this.#handshakeHash) throw new ProtocolError('handshake', 'The handshake is not complete yet.');
    return Uint8Array.from(this.#handshakeHash);
  }

  /** The transport CipherStates from Split(), oriented for this side. Available once complete. */
  get transport(): TransportCiphers {
    if (!this.#transport) throw new ProtocolError('handshake', 'The handshake is not complete yet.');
    return this.#transport;
  }

  writeMessage(payload: Uint8Array = EMPTY): Uint8Array {
    this.#beginStep(true);
    try {
      const parts: Uint8Array[] = [];
      for (const token of this.pattern.messages[this.#messageIndex]!) {
        if (token === 'e') {
          this.#e ??= this.#generateKeyPair();
          parts.push(this.#e.publicKey);
          this.#symmetric.mixHash(this.#e.publicKey);
          if (this.pattern.psk) this.#symmetric.mixKey(this.#e.publicKey);
        } else if (token === 's') {
          parts.push(this.#symmetric.encryptAndHash(this.#localStatic().publicKey));
        } else {
          this.#mixToken(token);
        }
      }
      parts.push(this.#symmetric.encryptAndHash(payload));
      const message = concatBytes(...parts);
      if (message.length > MAX_NOISE_MESSAGE_BYTES) {
        throw new ProtocolError('too-large', `A Noise message may not exceed ${MAX_NOISE_MESSAGE_BYTES} bytes.`);
      }
      this.#endStep();
      return message;
    } catch (error) {
      this.#failed = true;
      throw error;
    }
  }

  readMessage(message: Uint8Array): Uint8Array {
    this.#beginStep(false);
    try {
      if (message.length > MAX_NOISE_MESSAGE_BYTES) {
        throw new ProtocolError('too-large', `A Noise message may not exceed ${MAX_NOISE_MESSAGE_BYTES} bytes.`);
      }
      let offset = 0;
      const take = (length: number): Uint8Array => {
        if (offset + length > message.length) throw new ProtocolError('handshake', 'The handshake message is truncated.');
        const part = message.subarray(offset, offset + length);
        offset += length;
        return part;
      };
      for (const token of this.pattern.messages[this.#messageIndex]!) {
        if (token === 'e') {
          if (this.#re) throw new ProtocolError('handshake', 'The remote ephemeral key was already set.');
          this.#re = Uint8Array.from(take(DHLEN));
          this.#symmetric.mixHash(this.#re);
          if (this.pattern.psk) this.#symmetric.mixKey(this.#re);
        } else if (token === 's') {
          if (this.#rs) throw new ProtocolError('handshake', 'The remote static key was already set.');
          const length = this.#symmetric.cipher.hasKey() ? DHLEN + TAGLEN : DHLEN;
          this.#rs = this.#symmetric.decryptAndHash(take(length));
        } else {
          this.#mixToken(token);
        }
      }
      const payload = this.#symmetric.decryptAndHash(message.subarray(offset));
      this.#endStep();
      return payload;
    } catch (error) {
      this.#failed = true;
      if (error instanceof ProtocolError && error.code !== 'decrypt') throw error;
      throw new ProtocolError('handshake', 'The handshake message failed authentication: wrong keys, wrong secret, or tampering.', { cause: error });
    }
  }

  #beginStep(writing: boolean): void {
    if (this.#failed) throw new ProtocolError('handshake', 'This handshake already failed; start a new one.');
    if (this.isComplete) throw new ProtocolError('handshake', 'The handshake is already complete.');
    if (this.isMyTurn !== writing) {
      throw new ProtocolError('handshake', writing ? 'It is the peer’s turn to send a handshake message.' : 'It is our turn to send a handshake message.');
    }
  }

  #endStep(): void {
    this.#messageIndex += 1;
    if (this.#messageIndex < this.pattern.messages.length) return;
    const [c1, c2] = this.#symmetric.split();
    this.#transport = this.initiator ? { send: c1, receive: c2 } : { send: c2, receive: c1 };
    this.#handshakeHash = this.#symmetric.handshakeHash;
    // The ephemeral private key has done its job; drop our reference to it (forward secrecy).
    this.#e = null;
  }

  #localStatic(): StaticKeyPair {
    if (!this.#s) throw new ProtocolError('handshake', `Pattern ${this.pattern.name} needs a local static key.`);
    return this.#s;
  }

  #mixToken(token: 'ee' | 'es' | 'se' | 'ss' | 'psk'): void {
    const need = <T>(value: T | null, what: string): T => {
      if (value === null) throw new ProtocolError('handshake', `The ${what} is missing for token "${token}".`);
      return value;
    };
    switch (token) {
      case 'ee':
        this.#symmetric.mixKey(dh(need(this.#e, 'local ephemeral key').privateKey, need(this.#re, 'remote ephemeral key')));
        return;
      case 'es':
        // 'es' is always DH(initiator's e, responder's s), seen from either side.
        if (this.initiator) this.#symmetric.mixKey(dh(need(this.#e, 'local ephemeral key').privateKey, need(this.#rs, 'remote static key')));
        else this.#symmetric.mixKey(dh(this.#localStatic().privateKey, need(this.#re, 'remote ephemeral key')));
        return;
      case 'se':
        if (this.initiator) this.#symmetric.mixKey(dh(this.#localStatic().privateKey, need(this.#re, 'remote ephemeral key')));
        else this.#symmetric.mixKey(dh(need(this.#e, 'local ephemeral key').privateKey, need(this.#rs, 'remote static key')));
        return;
      case 'ss':
        this.#symmetric.mixKey(dh(this.#localStatic().privateKey, need(this.#rs, 'remote static key')));
        return;
      case 'psk':
        this.#symmetric.mixKeyAndHash(need(this.#psks.shift() ?? null, 'pre-shared key'));
        return;
    }
  }
}
