import { registerFuzzGroup } from './support/vitest.ts';
import { handshakeGroup, wireGroup } from './targets/protocol.ts';

registerFuzzGroup(wireGroup);
registerFuzzGroup(handshakeGroup);
