import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has working defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 8787,
      phonePort: 8788,
      host: 'localhost',
      publicUrl: 'http://localhost:8787/',
      phoneUrl: 'http://localhost:8788/',
      relayUrl: 'ws://localhost:8787/relay',
      dataDir: '.data',
      rp: { id: 'localhost', origin: 'http://localhost:8787', name: 'Pairkey Demo' },
      relay: { maxFrameBytes: 65536, maxConnectionsPerIp: 64, idleTimeoutMs: 600_000, pingIntervalMs: 30_000 },
      logLevel: 'warn',
    });
  });

  it('derives URLs and the RP identity from PORT and PUBLIC_URL', () => {
    expect(loadConfig({ PORT: '9000', PHONE_PORT: '9001' })).toMatchObject({
      publicUrl: 'http://localhost:9000/',
      phoneUrl: 'http://localhost:9001/',
      rp: { id: 'localhost', origin: 'http://localhost:9000' },
    });
    const config = loadConfig({ PUBLIC_URL: 'https://rp.example.com', PHONE_URL: 'https://phone.example.com/app/' });
    expect(config.rp).toEqual({ id: 'rp.example.com', origin: 'https://rp.example.com', name: 'Pairkey Demo' });
    expect(config.relayUrl).toBe('wss://rp.example.com/relay');
    expect(config.phoneUrl).toBe('https://phone.example.com/app/');
  });

  it('accepts a parent domain as RP_ID and explicit overrides', () => {
    const config = loadConfig({
      PUBLIC_URL: 'https://login.example.com',
      PHONE_URL: 'https://phone.example.com/',
      RP_ID: 'example.com',
      RP_NAME: 'Example',
      DATA_DIR: ':memory:',
      LOG_LEVEL: 'debug',
      RELAY_MAX_FRAME_BYTES: '4096',
      RELAY_MAX_CONNECTIONS_PER_IP: '2',
      RELAY_IDLE_TIMEOUT_MS: '1000',
      RELAY_PING_INTERVAL_MS: '500',
    });
    expect(config.rp).toEqual({ id: 'example.com', origin: 'https://login.example.com', name: 'Example' });
    expect(config.dataDir).toBe(':memory:');
    expect(config.logLevel).toBe('debug');
    expect(config.relay).toEqual({ maxFrameBytes: 4096, maxConnectionsPerIp: 2, idleTimeoutMs: 1000, pingIntervalMs: 500 });
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be an integer/],
    [{ PORT: '70000' }, /PORT must be an integer from 0 to 65535/],
    [{ PHONE_PORT: '-1' }, /PHONE_PORT must be an integer/],
    [{ PUBLIC_URL: 'localhost:8787' }, /PUBLIC_URL must use http: or https:|PUBLIC_URL must be an absolute URL/],
    [{ PUBLIC_URL: 'ftp://localhost' }, /PUBLIC_URL must use http: or https:/],
    [{ PHONE_URL: 'http://localhost:8788/#x' }, /PHONE_URL must not contain/],
    [{ PHONE_URL: 'http://localhost:8787/phone/' }, /must not share an origin/],
    [{ PORT: '9000', PHONE_PORT: '9000' }, /PORT and PHONE_PORT must differ/],
    [{ RP_ID: 'example.com' }, /RP_ID "example.com" must equal the host of RP_ORIGIN/],
    [{ RP_ID: 'calhost' }, /RP_ID "calhost"/],
    [{ RP_ORIGIN: 'http://localhost:8787/path' }, /RP_ORIGIN must be a bare origin/],
    [{ RELAY_MAX_FRAME_BYTES: '10' }, /RELAY_MAX_FRAME_BYTES must be an integer from 1024/],
    [{ RELAY_MAX_CONNECTIONS_PER_IP: '0' }, /RELAY_MAX_CONNECTIONS_PER_IP/],
    [{ RELAY_IDLE_TIMEOUT_MS: '1.5' }, /RELAY_IDLE_TIMEOUT_MS/],
    [{ RELAY_PING_INTERVAL_MS: '' + 10 }, /RELAY_PING_INTERVAL_MS/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
  ])('rejects %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reports every problem at once', () => {
    try {
      loadConfig({ PORT: 'x', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toHaveLength(2);
    }
  });

  it('accepts RP_ORIGIN with a trailing slash', () => {
    expect(loadConfig({ RP_ORIGIN: 'http://localhost:8787/' }).rp.origin).toBe('http://localhost:8787');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', HOST: ' ' }).port).toBe(8787);
  });
});
