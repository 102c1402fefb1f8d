import { registerFuzzGroup } from './support/vitest.ts';
import { cborGroup } from './targets/cbor.ts';

registerFuzzGroup(cborGroup);
