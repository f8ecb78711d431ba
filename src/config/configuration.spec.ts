import { ConfigError, configWarnings, loadConfig } from './configuration';

describe(loadConfig.name, () => {
  it('has working defaults for a newcomer (demo mode, data/ folder, Caplena map)', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      demo: true,
      databasePath: '/srv/app/data/flowgate.sqlite',
      dataDir: '/srv/app/data',
      seedManifest: '/srv/app/examples/caplena.yaml',
      adminToken: null,
      auditRetentionDays: 180,
      noticeWindowDays: 30,
      publicUrl: null,
      logLevel: 'log',
    });
  });

  it('reads every variable', () => {
    const config = loadConfig(
      {
        PORT: '8080',
        HOST: '0.0.0.0',
        FLOWGATE_DEMO: '0',
        DATABASE_PATH: '/var/lib/flowgate/db.sqlite',
        FLOWGATE_SEED_MANIFEST: '',
        FLOWGATE_ADMIN_TOKEN: 'a-long-enough-admin-token',
        SQLITE_BUSY_TIMEOUT_MS: '100',
        AUDIT_RETENTION_DAYS: '30',
        FLOWGATE_NOTICE_WINDOW_DAYS: '15',
        FLOWGATE_PUBLIC_URL: 'https://privacy.example.com',
        LOG_LEVEL: 'warn',
      },
      '/srv/app',
    );
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      demo: false,
      databasePath: '/var/lib/flowgate/db.sqlite',
      dataDir: '/var/lib/flowgate',
      seedManifest: '',
      adminToken: 'a-long-enough-admin-token',
      sqliteBusyTimeoutMs: 100,
      auditRetentionDays: 30,
      noticeWindowDays: 15,
      publicUrl: 'https://privacy.example.com',
      logLevel: 'warn',
    });
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', FLOWGATE_DEMO: 'maybe', LOG_LEVEL: 'chatty', FLOWGATE_ADMIN_TOKEN: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/PORT: must be an integer from 0 to 65535, got "eighty"/);
    expect(problems.join('\n')).toMatch(/FLOWGATE_DEMO/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL/);
    expect(problems.join('\n')).toMatch(/FLOWGATE_ADMIN_TOKEN: must be at least 16 characters/);
  });

  it.each(['-1', '366', 'soon'])('rejects FLOWGATE_NOTICE_WINDOW_DAYS=%s, naming the variable', (value) => {
    expect(() => loadConfig({ FLOWGATE_NOTICE_WINDOW_DAYS: value })).toThrow(/FLOWGATE_NOTICE_WINDOW_DAYS: must be an integer from 0 to 365/);
  });

  it.each(['privacy.example.com', 'ftp://example.com', 'https://'])('rejects FLOWGATE_PUBLIC_URL=%s', (value) => {
    expect(() => loadConfig({ FLOWGATE_PUBLIC_URL: value })).toThrow(/FLOWGATE_PUBLIC_URL: must be an absolute http\(s\) URL/);
  });

  it.each([0, 36500])('accepts AUDIT_RETENTION_DAYS=%i at the bounds (0: keep audit data forever)', (days) => {
    expect(loadConfig({ AUDIT_RETENTION_DAYS: String(days) }).auditRetentionDays).toBe(days);
  });

  it.each(['-1', '1.5', 'abc', '36501'])('rejects AUDIT_RETENTION_DAYS=%s, naming the variable', (value) => {
    expect(() => loadConfig({ AUDIT_RETENTION_DAYS: value })).toThrow(
      `AUDIT_RETENTION_DAYS: must be an integer from 0 to 36500, got "${value}"`,
    );
  });

  it('uses SQLite unless DATABASE_URL names a PostgreSQL database', () => {
    expect(loadConfig({})).toMatchObject({ database: 'sqlite', databaseUrl: null, changePollMs: 25 });
    expect(
      loadConfig({ DATABASE_URL: 'postgres://flowgate:secret@db.example:5432/flowgate', DATABASE_POOL_SIZE: '20' }),
    ).toMatchObject({
      database: 'postgres',
      databaseUrl: 'postgres://flowgate:secret@db.example:5432/flowgate',
      databasePoolSize: 20,
      changePollMs: 1000,
    });
  });

  it('keeps one PostgreSQL consent batch in flight unless DATABASE_CONSENT_IN_FLIGHT asks for two, and refuses more', () => {
    expect(loadConfig({}).databaseConsentInFlight).toBe(1);
    expect(loadConfig({ DATABASE_CONSENT_IN_FLIGHT: '2' }).databaseConsentInFlight).toBe(2);
    expect(() => loadConfig({ DATABASE_CONSENT_IN_FLIGHT: '3' })).toThrow(/DATABASE_CONSENT_IN_FLIGHT/);
  });

  it.each(['mysql://db/flowgate', 'db.example:5432', 'postgres://'])('rejects DATABASE_URL=%s, naming the variable', (url) => {
    expect(() => loadConfig({ DATABASE_URL: url })).toThrow(/DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
  });

  it('reads DATABASE_REPLICA_URL as comma-separated PostgreSQL replicas of DATABASE_URL', () => {
    const primary = { DATABASE_URL: 'postgres://flowgate:secret@db.example:5432/flowgate' };
    expect(loadConfig(primary).databaseReplicaUrls).toEqual([]);
    expect(
      loadConfig({ ...primary, DATABASE_REPLICA_URL: ' postgres://r1.example/flowgate , postgresql://u:p@r2.example:6432/flowgate' })
        .databaseReplicaUrls,
    ).toEqual(['postgres://r1.example/flowgate', 'postgresql://u:p@r2.example:6432/flowgate']);
  });

  it('refuses DATABASE_REPLICA_URL on SQLite, and a malformed or repeated item, never quoting a password', () => {
    expect(() => loadConfig({ DATABASE_REPLICA_URL: 'postgres://r1.example/flowgate' })).toThrow(
      /DATABASE_REPLICA_URL: read replicas need PostgreSQL/,
    );
    const primary = { DATABASE_URL: 'postgres://flowgate:secret@db.example:5432/flowgate' };
    for (const [value, message] of [
      ['postgres://r1.example/f,,postgres://r2.example/f', /DATABASE_REPLICA_URL: item 2 must be a postgres:\/\//],
      ['mysql://hunter2@r1.example/f', /DATABASE_REPLICA_URL: item 1 must be a postgres:\/\//],
      ['postgres://r1.example/f,postgres://r1.example/f', /DATABASE_REPLICA_URL: the same replica is listed twice/],
    ] as const) {
      expect(() => loadConfig({ ...primary, DATABASE_REPLICA_URL: value })).toThrow(message);
      expect(() => loadConfig({ ...primary, DATABASE_REPLICA_URL: value })).not.toThrow(/hunter2/);
    }
  });

  it('requires an admin token outside demo mode', () => {
    expect(() => loadConfig({ FLOWGATE_DEMO: 'false' })).toThrow(/FLOWGATE_ADMIN_TOKEN: required when FLOWGATE_DEMO is off/);
  });

  it('writes JSON logs unless stdout is a terminal, and LOG_FORMAT overrides', () => {
    expect(loadConfig({}, '/srv/app', false).logFormat).toBe('json');
    expect(loadConfig({}, '/srv/app', true).logFormat).toBe('pretty');
    expect(loadConfig({ LOG_FORMAT: 'json' }, '/srv/app', true).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }, '/srv/app', false).logFormat).toBe('pretty');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow('LOG_FORMAT: must be one of json, pretty, got "xml"');
  });

  it('keeps user ids out of the log unless LOG_USER_IDS=1, and checks the metrics token', () => {
    expect(loadConfig({}).logUserIds).toBe(false);
    expect(loadConfig({ LOG_USER_IDS: '1' }).logUserIds).toBe(true);
    expect(loadConfig({}).metricsToken).toBeNull();
    expect(loadConfig({ FLOWGATE_METRICS_TOKEN: 'metrics-token-0123456789' }).metricsToken).toBe('metrics-token-0123456789');
    expect(() => loadConfig({ FLOWGATE_METRICS_TOKEN: 'short' })).toThrow('FLOWGATE_METRICS_TOKEN: must be at least 16 characters');
  });
  describe('demo mode', () => {
    const admin = { FLOWGATE_ADMIN_TOKEN: 'a-long-enough-admin-token' };
    const secret = { FLOWGATE_USER_TOKEN_SECRET: 'a-user-token-secret-of-32-characters!' };

    it('is on with no configuration at all (the one-command demo), without a warning', () => {
      const config = loadConfig({});
      expect(config.demo).toBe(true);
      expect(configWarnings(config)).toEqual([]);
    });

    it.each([
      ['FLOWGATE_ADMIN_TOKEN', admin],
      ['both token variables', { ...admin, ...secret }],
    ])('is off as soon as %s is set', (_, env) => {
      expect(loadConfig(env).demo).toBe(false);
    });

    it('is off with only FLOWGATE_USER_TOKEN_SECRET set, which then needs an admin token, saying why', () => {
      expect(() => loadConfig(secret)).toThrow(/FLOWGATE_ADMIN_TOKEN: required outside demo mode \(FLOWGATE_USER_TOKEN_SECRET is set/);
    });

    it('is on next to a token variable only with FLOWGATE_DEMO=1, and then warns that anyone can mint user tokens', () => {
      const config = loadConfig({ ...admin, ...secret, FLOWGATE_DEMO: '1' });
      expect(config.demo).toBe(true);
      expect(configWarnings(config)).toEqual([
        expect.stringMatching(/^FLOWGATE_DEMO=1 with FLOWGATE_ADMIN_TOKEN and FLOWGATE_USER_TOKEN_SECRET set: .*anyone .* can mint a user token for any user id/),
      ]);
    });
  });

  it('reads the body limits, with small defaults for consent and a larger one for manifests', () => {
    expect(loadConfig({}).bodyLimits).toEqual({ consent: 262144, manifest: 10485760, default: 1048576 });
    expect(loadConfig({ CONSENT_BODY_LIMIT_BYTES: '4096', MANIFEST_BODY_LIMIT_BYTES: '2048', BODY_LIMIT_BYTES: '8192' }).bodyLimits).toEqual({
      consent: 4096,
      manifest: 2048,
      default: 8192,
    });
    expect(() => loadConfig({ BODY_LIMIT_BYTES: '10' })).toThrow(/BODY_LIMIT_BYTES: must be an integer from 1024/);
  });
});

describe('FLOWGATE_ALLOWED_ORIGINS', () => {
  it('is empty by default: no cross-origin access at all', () => {
    expect(loadConfig({}, '/srv').allowedOrigins).toEqual([]);
    expect(loadConfig({ FLOWGATE_ALLOWED_ORIGINS: ' ' }, '/srv').allowedOrigins).toEqual([]);
  });

  it('reads origins separated by commas or spaces, in normal form, without repeats', () => {
    const config = loadConfig(
      { FLOWGATE_ALLOWED_ORIGINS: 'https://App.example.com, http://127.0.0.1:8080 https://app.example.com/' },
      '/srv',
    );
    expect(config.allowedOrigins).toEqual(['https://app.example.com', 'http://127.0.0.1:8080']);
  });

  it.each(['*', 'app.example.com', 'https://app.example.com/settings', 'ftp://files.example.com', 'https://*.example.com', 'https://app.example.com?x=1'])(
    'refuses %s, naming the variable',
    (value) => {
      expect(() => loadConfig({ FLOWGATE_ALLOWED_ORIGINS: value }, '/srv')).toThrow(
        /FLOWGATE_ALLOWED_ORIGINS: ".*" is not an origin/,
      );
    },
  );
});
