// One clock for every process of a run (Node children, the browser's page and service worker):
// epoch milliseconds with sub-millisecond resolution. `performance.timeOrigin` is each process's
// start on the wall clock, so timestamps from different processes on one machine compare.
export const now = (): number => performance.timeOrigin + performance.now();

/** The same expression as source text, for code evaluated inside the browser. */
export const NOW_SOURCE = '(performance.timeOrigin + performance.now())';
