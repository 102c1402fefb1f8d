// Every extension scenario, in the order the suites run them.
import { basics } from './basics.ts';
import { choice } from './choice.ts';
import { chrome } from './chrome.ts';
import { client } from './client.ts';
import { hostile } from './hostile.ts';
import { hostilePages } from './hostile-pages.ts';
import { lifecycle } from './lifecycle.ts';
import { pairing } from './pairing.ts';
import { ui } from './ui.ts';
import type { Scenario } from './context.ts';

export const allScenarios: Scenario[] = [...basics, ...client, ...hostile, ...hostilePages, ...choice, ...pairing, ...lifecycle, ...ui, ...chrome];
