// "Connect Pairkey to this server": what a server declares at a well-known path on its own origin
// (its relay and its phone app), read by the extension's bridge from the page's origin and shown
// to the person with that origin before anything changes. Declared once here: the harness server
// writes it, the bridge and the background check it.
import { Type, type Static } from '@sinclair/typebox';

const Url = Type.String({ minLength: 1, maxLength: 2048 });

export const ConnectDeclarationSchema = Type.Object(
  {
    /** ws(s)://…/relay: where the extension and the phones meet. */
    relayUrl: Url,
    /** http(s)://…/: the phone app a pairing link opens. */
    phoneUrl: Url,
  },
  { additionalProperties: false },
);
export type ConnectDeclaration = Static<typeof ConnectDeclarationSchema>;

/** How the bridge answers the page that asked (nothing about what the person then chose). */
export type ConnectStatus =
  /** The extension shows its confirmation window. */
  | 'asked'
  /** Only a click (user activation) in the top frame may ask. */
  | 'needs-click'
  /** The origin declares nothing usable at CONNECT_DECLARATION_PATH. */
  | 'no-declaration'
  /** The extension refused (frame, or an unusable URL). */
  | 'refused';
