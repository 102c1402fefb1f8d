import { registerFuzzGroup } from './support/vitest.ts';
import { linksGroup } from './targets/links.ts';

registerFuzzGroup(linksGroup);
