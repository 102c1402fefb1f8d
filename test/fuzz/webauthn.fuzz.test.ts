import { registerFuzzGroup } from './support/vitest.ts';
import { webauthnGroup } from './targets/webauthn.ts';

registerFuzzGroup(webauthnGroup);
