// Public API of the Pairkey protocol layer. docs/protocol.md specifies the wire format.
export { PROTOCOL_ERROR_CODES, ProtocolError, isProtocolError, type ProtocolErrorCode } from './errors.ts';
export { X25519_KEY_BYTES, generateStaticKeyPair, staticKeyPairFromPrivate, type StaticKeyPair } from './keys.ts';
export {
  BASE_PATTERN_NAMES,
  CipherState,
  HandshakeState,
  NOISE_SUITE,
  PAIRING_PATTERN,
  PAIRING_PROTOCOL_NAME,
  RECONNECT_PATTERN,
  RECONNECT_PROTOCOL_NAME,
  SymmetricState,
  resolvePattern,
  type BasePatternName,
  type HandshakeOptions,
  type HandshakePattern,
  type TransportCiphers,
} from './noise.ts';
export {
  MAX_OFFER_TTL_MS,
  MIN_SECRET_BYTES,
  PAIRING_LINK_VERSION,
  createPairingOffer,
  encodePairingLink,
  parsePairingLink,
  type PairingOffer,
} from './qr-link.ts';
export {
  MAX_FRAME_BYTES,
  MAX_PAYLOAD_BYTES,
  PADDING_BLOCK,
  decodeFrame,
  encodeFrame,
  padPlaintext,
  unpadPlaintext,
  type Frame,
  type FrameKind,
} from './frames.ts';
export {
  AssertionSchema,
  CHANNEL_MESSAGE_TYPES,
  CancelSchema,
  ChannelMessageSchema,
  CredentialCreatedSchema,
  ErrorSchema,
  GetAssertionSchema,
  HelloSchema,
  MakeCredentialSchema,
  PhoneReplySchema,
  PhoneRequestSchema,
  UnpairSchema,
  decodeChannelMessage,
  encodeChannelMessage,
  isPhoneReply,
  isPhoneRequest,
  parseChannelMessage,
  type AssertionMessage,
  type CancelMessage,
  type ChannelMessage,
  type ChannelMessageType,
  type CredentialCreatedMessage,
  type ErrorMessage,
  type GetAssertionMessage,
  type HelloMessage,
  type MakeCredentialMessage,
  type PhoneReply,
  type PhoneRequest,
  type UnpairMessage,
} from './messages.ts';
export { SecureChannel } from './secure-channel.ts';
export {
  RelayJoinSchema,
  SEAT_SIDES,
  joinProvesSeat,
  pairedSeat,
  pairingSeat,
  type PairedSeatOptions,
  type RelayJoin,
  type RelaySeat,
  type SeatSide,
} from './relay-seat.ts';
export {
  isRelayChannelId,
  parseRelayControl,
  RelayChannelIdSchema,
  RelayCloseCode,
  RelayControlSchema,
  SEAT_TAKEN_CLOSE,
  type RelayControl,
} from './relay-contract.ts';
export { confirmationCodeFromHash, pairedChannelIdFromHash } from './derive.ts';
export {
  PairingInitiator,
  PairingResponder,
  pairingChannelId,
  type PairingInitiatorOptions,
  type PairingResponderOptions,
  type SessionResult,
} from './pairing.ts';
export {
  ReconnectInitiator,
  ReconnectResponder,
  STRAY_REPLIES,
  type ReconnectInitiatorOptions,
  type ReconnectResponderOptions,
  type ReconnectResult,
} from './reconnect.ts';
