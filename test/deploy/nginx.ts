// Starts Debian's nginx with deploy/nginx/pairkey.conf, as a child process with its own prefix,
// main config, logs and temp folders (never the system service), on free loopback ports.
// What a test cannot have (port 443, /etc/letsencrypt, real relay nodes, /srv) is substituted,
// and every substitution must match: a config edit that would escape the test fails it instead.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NGINX_CONF = fileURLToPath(new URL('../../deploy/nginx/pairkey.conf', import.meta.url));

export function nginxBinary(): string | null {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx']) {
    if (spawnSync(candidate, ['-v']).status === 0) return candidate;
  }
  return null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A throw-away certificate for both server names (openssl, present on Debian). */
export function selfSignedCertificate(dir: string, names: string[]): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const result = spawnSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${names.map((name) => `DNS:${name}`).join(',')}`,
    '-keyout', key, '-out', cert,
  ]);
  if (result.status !== 0) throw new Error(`openssl failed: ${result.stderr.toString()}`);
  return { cert, key };
}

export interface NginxSite {
  /** Where the TLS servers listen (127.0.0.1), and the plain http one. */
  httpsPort: number;
  httpPort: number;
  cert: string;
  key: string;
  /** host:port of the relay nodes that replace the example upstream servers. */
  relayNodes: string[];
  phoneRoot: string;
}

/** deploy/nginx/pairkey.conf with the site's ports, certificate, relay nodes and phone app folder. */
export function siteConfig(site: NginxSite, source = readFileSync(NGINX_CONF, 'utf8')): string {
  let text = source;
  const replace = (pattern: RegExp, replacement: string, expected: number): void => {
    const count = text.match(new RegExp(pattern.source, 'gm'))?.length ?? 0;
    if (count !== expected) throw new Error(`deploy/nginx/pairkey.conf: expected ${expected} match(es) of ${pattern}, found ${count}`);
    text = text.replace(new RegExp(pattern.source, 'gm'), replacement);
  };
  replace(/^\s*listen \[::\]:\d+.*;\n/, '', 3); // IPv6 may be missing in a container
  replace(/listen 443 ssl/, `listen 127.0.0.1:${site.httpsPort} ssl`, 2);
  replace(/listen 80;/, `listen 127.0.0.1:${site.httpPort};`, 1);
  replace(/\/etc\/letsencrypt\/live\/[a-z.]+\/fullchain\.pem/, site.cert, 2);
  replace(/\/etc\/letsencrypt\/live\/[a-z.]+\/privkey\.pem/, site.key, 2);
  replace(/^\s*server 10\.0\.0\.\d+:8789 .*;\n/, site.relayNodes.map((node) => `    server ${node} max_fails=1 fail_timeout=10s;\n`).join(''), 2);
  replace(/root {2}\/srv\/pairkey\/phone;/, `root  ${site.phoneRoot};`, 1);
  return text;
}

export interface RunningNginx {
  process: ChildProcess;
  errorLog(): string;
  stop(): Promise<void>;
}

export async function startNginx(dir: string, site: NginxSite): Promise<RunningNginx> {
  const binary = nginxBinary();
  if (!binary) throw new Error('nginx is not installed (apt-get install nginx)');
  for (const sub of ['logs', 'temp']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'pairkey.conf'), siteConfig(site));
  const temp = (name: string) => `${name}_temp_path ${join(dir, 'temp', name)};`;
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      // Run as root (CI containers), the workers must still read the phone app and certificate.
      process.getuid?.() === 0 ? 'user root;' : '',
      'daemon off;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'logs', 'error.log')} warn;`,
      'events { worker_connections 256; }',
      'http {',
      '  include /etc/nginx/mime.types;',
      '  default_type application/octet-stream;',
      '  access_log off;',
      `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
      `  include ${join(dir, 'pairkey.conf')};`,
      '}',
    ].join('\n'),
  );
  const args = ['-p', dir, '-e', join(dir, 'logs', 'error.log'), '-c', join(dir, 'nginx.conf')];
  const check = spawnSync(binary, [...args, '-t']);
  if (check.status !== 0) throw new Error(`nginx -t refused the config:\n${check.stderr.toString()}`);

  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errorLog = () => {
    try {
      return stderr + readFileSync(join(dir, 'logs', 'error.log'), 'utf8');
    } catch {
      return stderr;
    }
  };
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM'); // nginx: fast shutdown of master and workers
    await exited;
  };
  try {
    await Promise.race([
      waitForPort(site.httpsPort),
      exited.then(() => Promise.reject(new Error(`nginx exited at start:\n${errorLog()}`))),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { process: child, errorLog, stop };
}

/** nginx says nothing when it listens: try to connect until it accepts (10 s at most). */
async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx did not listen on ${port}`);
}
