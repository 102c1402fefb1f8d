// pairkey-phone: the virtual phone on the command line.
//   pairkey-phone pair <link> [--confirm] [--store FILE] [--name NAME] [--deny] [--delay MS] [--no-uv] [--misbehave MODE]…
//   pairkey-phone serve --store FILE [--deny] [--delay MS] [--no-uv] [--misbehave MODE]…
//   pairkey-phone forget --store FILE [--wait MS]
// Prints `paired <code>` once the handshake ran. Nothing is kept until the code is confirmed:
// with `--confirm` (the caller vouches that the browser shows the same code) at once, otherwise
// the CLI asks on stdin (`yes` keeps it, anything else rejects it and tells the browser). It then
// prints `confirmed` and `online` while it answers requests (or `rejected` and exits). `forget` tells every
// paired browser to forget this phone (waiting up to --wait for each to be there), then prints
// `forgot <n>` with how many browsers received it; the others stay in the store marked removed
// (answering nothing), and `serve` tells them at their next handshake, as the phone app does.
// `--misbehave` makes every answer wrong in that way (see misbehaviour.ts), for negative tests of
// a relying party.
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { MISBEHAVIOUR_MODES, type MisbehaviourMode } from './misbehaviour.ts';
import { VirtualPhone } from './phone.ts';

const USAGE = `usage:
  pairkey-phone pair <link> [--confirm] [--store FILE] [--name NAME] [--deny] [--delay MS] [--no-uv] [--misbehave MODE]...
  pairkey-phone serve --store FILE [--deny] [--delay MS] [--no-uv] [--misbehave MODE]...
  pairkey-phone forget --store FILE [--wait MS]
modes: ${MISBEHAVIOUR_MODES.join(', ')}`;

/** One line from stdin (the person's answer), trimmed and lower-cased; '' at end of input. */
async function askLine(question: string): Promise<string> {
  process.stderr.write(question);
  const lines = createInterface({ input: process.stdin });
  try {
    for await (const line of lines) return line.trim().toLowerCase();
    return '';
  } finally {
    lines.close();
  }
}

function fail(message: string): never {
  process.stderr.write(`pairkey-phone: ${message}\n${USAGE}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        store: { type: 'string' },
        name: { type: 'string' },
        confirm: { type: 'boolean', default: false },
        deny: { type: 'boolean', default: false },
        delay: { type: 'string', default: '0' },
        wait: { type: 'string', default: '30000' },
        'no-uv': { type: 'boolean', default: false },
        misbehave: { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [command, link] = positionals;
  const delayMs = Number(values.delay);
  if (!Number.isInteger(delayMs) || delayMs < 0) fail('--delay must be a whole number of milliseconds');
  const waitMs = Number(values.wait);
  if (!Number.isInteger(waitMs) || waitMs < 0) fail('--wait must be a whole number of milliseconds');
  if (command !== 'pair' && command !== 'serve' && command !== 'forget') fail(`unknown command ${command ?? '(none)'}`);
  if (command === 'pair' && !link) fail('pair needs the pairing link');
  if ((command === 'serve' || command === 'forget') && !values.store) fail(`${command} needs --store FILE`);
  const modes = values.misbehave.filter((m): m is MisbehaviourMode => (MISBEHAVIOUR_MODES as readonly string[]).includes(m));
  if (modes.length !== values.misbehave.length) fail(`--misbehave takes one of ${MISBEHAVIOUR_MODES.join(', ')}`);

  const phone = VirtualPhone.open({
    storePath: values.store ?? null,
    ...(values.name ? { name: values.name } : {}),
    policy: { decision: values.deny ? 'deny' : 'approve', delayMs, userVerified: !values['no-uv'] },
    log: (line) => process.stderr.write(`${line}\n`),
  });
  for (const mode of modes) phone.misbehaviour.set(mode, { persistent: true });
  if (command === 'forget') {
    const delivered = await phone.unpairAll(Date.now() + waitMs);
    const untold = phone.store.removedPairings().length;
    if (untold > 0) process.stderr.write(`${untold} browser(s) were not reachable: \`serve\` tells them when they are\n`);
    phone.close();
    process.stdout.write(`forgot ${delivered}\n`);
    process.exit(0);
  }
  if (command === 'pair') {
    const pending = await phone.pair(link!);
    process.stdout.write(`paired ${pending.confirmationCode}\n`);
    const matches = values.confirm || (await askLine(`Does the browser show the code ${pending.confirmationCode}? Type yes to pair, anything else to refuse: `)) === 'yes';
    if (!matches) {
      const told = await pending.reject();
      process.stdout.write(`rejected${told ? '' : ' (the browser was not reachable to be told)'}\n`);
      process.exit(0);
    }
    pending.confirm();
    process.stdout.write('confirmed\n');
  }
  // A store with only removed browsers still goes online: to tell them.
  if (phone.store.pairings().length + phone.store.removedPairings().length === 0) fail('this store has no pairings; run `pairkey-phone pair <link>` first');
  await phone.goOnline();
  process.stdout.write('online\n');
  const stop = () => {
    phone.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`pairkey-phone: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
