import { ConfigError, loadConfig } from './configuration';

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

  it.each(['mysql://db/flowgate', 'db.example:5432', 'postgres://'])('rejects DATABASE_URL=%s, naming the variable', (url) => {
    expect(() => loadConfig({ DATABASE_URL: url })).toThrow(/DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
  });

  it('requires an admin token outside demo mode', () => {
    expect(() => loadConfig({ FLOWGATE_DEMO: 'false' })).toThrow(/FLOWGATE_ADMIN_TOKEN: required when FLOWGATE_DEMO is off/);
  });
});
