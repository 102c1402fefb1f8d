// Every fuzz group, in the order the long pass runs them (test/fuzz/long.ts).
import type { RunnableGroup } from '../support/registry.ts';
import { cborGroup } from './cbor.ts';
import { linksGroup } from './links.ts';
import { handshakeGroup, wireGroup } from './protocol.ts';
import { rpHttpGroup } from './rp-http.ts';
import { webauthnGroup } from './webauthn.ts';

export const ALL_GROUPS: RunnableGroup[] = [webauthnGroup, cborGroup, wireGroup, handshakeGroup, linksGroup, rpHttpGroup];
