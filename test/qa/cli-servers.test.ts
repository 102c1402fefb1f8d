// Where the CLI finds the relay and phone app (issue 16): the harness server's base URL once
// (`--server`) or the server's own variables; and a relay that is not there is a sentence and exit
// code 2 before any browser starts, not a Playwright timeout in the pairing popup.
import { createServer } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { main } from '../../qa/cli/main.ts';
import { resolveServers } from '../../qa/cli/servers.ts';

describe('resolving the servers', () => {
  it('defaults to the bundled server on 8787 with its phone app on 8788', () => {
    expect(resolveServers({}, {})).toEqual({ relayUrl: 'http://localhost:8787', phoneAppUrl: 'http://localhost:8788/', server: null });
  });

  it('takes the server once: --server is the relay, its phone app on PHONE_PORT', () => {
    expect(resolveServers({ server: new URL('http://localhost:39000') }, { PHONE_PORT: '39001' })).toEqual({
      relayUrl: 'http://localhost:39000',
      phoneAppUrl: 'http://localhost:39001/',
      server: 'http://localhost:39000',
    });
  });

  it('reads the variables the server was started with', () => {
    expect(resolveServers({}, { PORT: '39100', PHONE_PORT: '39101' })).toMatchObject({ relayUrl: 'http://localhost:39100', phoneAppUrl: 'http://localhost:39101/' });
    expect(resolveServers({}, { PUBLIC_URL: 'https://pk.example.test', PHONE_URL: 'https://phone.example.test' })).toEqual({
      relayUrl: 'https://pk.example.test',
      phoneAppUrl: 'https://phone.example.test/',
      server: 'https://pk.example.test',
    });
  });

  it('lets --relay and --phone-app override, and the QA variables beat the server ones', () => {
    expect(resolveServers({ server: new URL('http://localhost:1'), relay: new URL('http://relay.test:2') }, {})).toMatchObject({ relayUrl: 'http://relay.test:2' });
    expect(
      resolveServers({}, { PAIRKEY_RELAY_URL: 'http://r.test', PAIRKEY_PHONE_APP_URL: 'http://p.test/app/', PORT: '9', PHONE_URL: 'http://x.test' }),
    ).toMatchObject({ relayUrl: 'http://r.test', phoneAppUrl: 'http://p.test/app/' });
  });
});

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, 'localhost');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function runMain(args: string[], env: Record<string, string>): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, env);
  return { code, out, err };
}

describe('a relay that is not there', () => {
  it('is named in a sentence with what to do, exit code 2, before a browser starts', async () => {
    const port = await closedPort();
    const run = await runMain(['qa'], { PORT: String(port) });
    expect(run.code).toBe(2);
    expect(run.err.join('\n')).toMatch(new RegExp(`^no relay at http://localhost:${port} — start \`npm run serve\` or pass --relay \\(`));
  });

  it('with --server given, says the address is wrong rather than to start the default server', async () => {
    const port = await closedPort();
    const run = await runMain(['qa', '--server', `http://localhost:${port}`], {});
    expect(run.code).toBe(2);
    // The bundled profile follows the server: the site tested is the one named.
    expect(run.out[0]).toContain(`at http://localhost:${port}/ in chromium`);
    expect(run.err.join('\n')).toMatch(new RegExp(`^no relay at http://localhost:${port} — is the server running there\\?`));
  });
});
