// Graceful stop for the entry points: SIGINT/SIGTERM close the servers, then exit; a second
// signal while closing exits at once (a second Ctrl-C means "now").
export function closeOnSignals(close: () => Promise<unknown>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal} received, shutting down…`);
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('Error while shutting down:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
