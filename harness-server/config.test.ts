import { describe, expect, it } from 'vitest';
import { ConfigError, insecureBanner, loadConfig } from './config.ts';
import { DEFAULT_PUSH_HOSTS } from './relay/push/push-hosts.ts';

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
      relayBus: null,
      relayPush: { vapid: null, subject: 'mailto:relay@localhost', perMinute: 6, hosts: DEFAULT_PUSH_HOSTS },
      logLevel: 'warn',
      otp: { algorithm: 'sha1', digits: 6, period: 30, driftSteps: 1, issuer: 'Pairkey Demo', hotpLookAhead: 10 },
      auth: { lockoutThreshold: 5, lockoutMs: 900_000, ipRateLimitPerMinute: 30, recoveryWaitMs: 259_200_000 },
      rpVerifyWorkers: 1,
      mail: { from: 'Pairkey Demo <no-reply@localhost>', smtpUrl: null, devOutbox: true },
      serverKey: null,
      protections: {
        totpReplayProtection: true,
        rateLimiting: true,
        singleUseBackupCodes: true,
        challengeExpiry: true,
        signCountCheck: true,
        reauthBeforeDisable: true,
        requireUserVerification: true,
        originCheck: true,
      },
      insecureQa: false,
      trustProxy: [],
    });
  });

  it('reads TRUST_PROXY: addresses, CIDRs and named ranges, and refuses anything else', () => {
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.5 ::1,fd00::/8 loopback' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '192.168.1.5',
      '::1',
      'fd00::/8',
      'loopback',
    ]);
    expect(loadConfig({ TRUST_PROXY: ' ' }).trustProxy).toEqual([]);
    for (const bad of ['10.0.0.0/33', '1.2.3', 'proxy.example.com', '*', 'true', '10.0.0.1/8/8', '300.1.1.1']) {
      expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(`TRUST_PROXY entries must be IP addresses, CIDRs (10.0.0.0/8) or loopback, linklocal, uniquelocal (got "${bad}")`);
    }
  });

  it('reads the 2FA, mail and lockout settings', () => {
    const config = loadConfig({
      TOTP_ALGORITHM: 'SHA256',
      TOTP_DIGITS: '8',
      TOTP_PERIOD: '60',
      TOTP_DRIFT_STEPS: '2',
      TOTP_ISSUER: 'Example Corp',
      HOTP_LOOK_AHEAD: '20',
      LOCKOUT_THRESHOLD: '10',
      LOCKOUT_MINUTES: '30',
      RATE_LIMIT_PER_MINUTE: '100',
      RECOVERY_WAIT_MINUTES: '0',
      SMTP_URL: 'smtp://mail.example.com:587',
      MAIL_FROM: 'Security <security@example.com>',
      SERVER_KEY: 'A'.repeat(43),
    });
    expect(config.otp).toEqual({ algorithm: 'sha256', digits: 8, period: 60, driftSteps: 2, issuer: 'Example Corp', hotpLookAhead: 20 });
    expect(config.auth).toEqual({ lockoutThreshold: 10, lockoutMs: 1_800_000, ipRateLimitPerMinute: 100, recoveryWaitMs: 0 });
    // With real delivery the outbox page is off unless asked for.
    expect(config.mail).toEqual({ from: 'Security <security@example.com>', smtpUrl: 'smtp://mail.example.com:587', devOutbox: false });
    expect(loadConfig({ SMTP_URL: 'smtp://mail.example.com', DEV_OUTBOX: 'on' }).mail.devOutbox).toBe(true);
    expect(config.serverKey).toBe('A'.repeat(43));
  });

  it('reads the QA switches, and starts with one off only when told it is insecure', () => {
    const config = loadConfig({ QA_TOTP_REPLAY_PROTECTION: 'off', QA_ORIGIN_CHECK: '0', PAIRKEY_INSECURE_QA: '1' });
    expect(config.protections).toMatchObject({ totpReplayProtection: false, originCheck: false, rateLimiting: true });
    expect(config.insecureQa).toBe(true);
    expect(() => loadConfig({ QA_RATE_LIMITING: 'false' })).toThrow(/QA_RATE_LIMITING turns a protection off: refusing to start without PAIRKEY_INSECURE_QA=1/);
    expect(loadConfig({ QA_RATE_LIMITING: 'on' }).protections.rateLimiting).toBe(true);
  });

  it('prints a loud banner naming each protection that is off', () => {
    expect(insecureBanner(loadConfig({}))).toBeNull();
    const banner = insecureBanner(loadConfig({ QA_SIGN_COUNT_CHECK: 'off', QA_REQUIRE_UV: 'off', PAIRKEY_INSECURE_QA: '1' }))!;
    expect(banner).toContain('INSECURE QA MODE: THIS SERVER IS DELIBERATELY VULNERABLE');
    expect(banner).toContain('  - QA_SIGN_COUNT_CHECK=off');
    expect(banner).toContain('  - QA_REQUIRE_UV=off');
    expect(banner.split('\n')[0]).toMatch(/^!{20,}$/);
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
    [{ TOTP_ALGORITHM: 'md5' }, /TOTP_ALGORITHM must be one of sha1, sha256, sha512/],
    [{ TOTP_DIGITS: '7' }, /TOTP_DIGITS must be one of 6, 8/],
    [{ TOTP_DRIFT_STEPS: '11' }, /TOTP_DRIFT_STEPS must be an integer from 0 to 10/],
    [{ TOTP_ISSUER: 'Acme:Corp' }, /TOTP_ISSUER must not contain ":"/],
    [{ LOCKOUT_THRESHOLD: '101' }, /LOCKOUT_THRESHOLD must be an integer from 1 to 100/],
    [{ SMTP_URL: 'mail.example.com' }, /SMTP_URL must start with smtp/],
    [{ SERVER_KEY: 'short' }, /SERVER_KEY must be 32 bytes/],
    [{ QA_ORIGIN_CHECK: 'maybe' }, /QA_ORIGIN_CHECK must be on or off/],
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

  it('reads RELAY_BUS as a list of NATS servers, and refuses anything else', () => {
    expect(loadConfig({ RELAY_BUS: 'nats://10.0.0.1:4222, nats://10.0.0.2:4222', RELAY_BUS_HEARTBEAT_MS: '500' }).relayBus).toEqual({
      servers: ['nats://10.0.0.1:4222', 'nats://10.0.0.2:4222'],
      heartbeatMs: 500,
    });
    for (const bad of ['redis://x:6379', 'nats://host:4222/path', 'host:4222', ',']) {
      expect(() => loadConfig({ RELAY_BUS: bad }), bad).toThrow(/RELAY_BUS/);
    }
  });

  it('reads the Web Push settings: a VAPID pair given together, a mailto:/https: subject, a rate', () => {
    expect(loadConfig({}).relayPush).toEqual({ vapid: null, subject: 'mailto:relay@localhost', perMinute: 6, hosts: DEFAULT_PUSH_HOSTS });
    const publicKey = `B${'a'.repeat(86)}`;
    const privateKey = 'k'.repeat(43);
    expect(loadConfig({ RELAY_VAPID_PUBLIC_KEY: publicKey, RELAY_VAPID_PRIVATE_KEY: privateKey, RELAY_VAPID_SUBJECT: 'https://relay.example/contact', RELAY_PUSH_PER_MINUTE: '20' }).relayPush).toEqual({
      vapid: { publicKey, privateKey },
      subject: 'https://relay.example/contact',
      perMinute: 20,
      hosts: DEFAULT_PUSH_HOSTS,
    });
    expect(loadConfig({ RELAY_PUSH_HOSTS: 'push.example.com, *.Push.Example.net' }).relayPush.hosts).toEqual([...DEFAULT_PUSH_HOSTS, 'push.example.com', '*.push.example.net']);
    expect(loadConfig({ RELAY_PUSH_HOSTS: '*' }).relayPush.hosts).toBe('any');
    expect(() => loadConfig({ RELAY_PUSH_HOSTS: 'https://push.example.com/' })).toThrow(/RELAY_PUSH_HOSTS/);
    expect(() => loadConfig({ RELAY_VAPID_PUBLIC_KEY: publicKey })).toThrow(/RELAY_VAPID_PRIVATE_KEY/);
    expect(() => loadConfig({ RELAY_VAPID_SUBJECT: 'ops@relay.example' })).toThrow(/RELAY_VAPID_SUBJECT/);
    expect(() => loadConfig({ RELAY_PUSH_PER_MINUTE: '0' })).toThrow(/RELAY_PUSH_PER_MINUTE/);
  });
});
