// The child's end of the IPC link (see child.ts for the parent's): answers the parent's
// requests. Kept apart from child.ts so that servers under test load nothing they do not need
// (child.ts pulls in Vite to compile them).
import { startProfile, stopProfile, summarizeProfile } from './profiler.ts';

export interface ChildRequest {
  id: number;
  type: string;
  payload?: unknown;
}

export type ChildReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

type Handler = (payload: unknown) => unknown;

/** Every child can be profiled around a phase: `profile-start`, then `profile-stop` → summary. */
const PROFILE_HANDLERS: Record<string, Handler> = {
  'profile-start': () => startProfile(),
  'profile-stop': async () => summarizeProfile(await stopProfile()),
};

/** In the child: answer the parent's requests with `handlers`, then say ready. */
export function serveParent(handlers: Record<string, Handler>): void {
  if (!process.send) throw new Error('This module runs as a child of the benchmark (IPC channel missing)');
  const all = { ...PROFILE_HANDLERS, ...handlers };
  process.on('message', (raw: unknown) => {
    const request = raw as ChildRequest;
    const handler = all[request.type];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown request ${request.type}`);
        return handler(request.payload);
      })
      .then(
        (result) => process.send!({ id: request.id, ok: true, result } satisfies ChildReply),
        (error: unknown) => process.send!({ id: request.id, ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) } satisfies ChildReply),
      );
  });
  // The parent going away (crash, Ctrl-C) must not leave servers or load running.
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true });
}
