import { registerFuzzGroup } from './support/vitest.ts';
import { rpHttpGroup } from './targets/rp-http.ts';

registerFuzzGroup(rpHttpGroup);
