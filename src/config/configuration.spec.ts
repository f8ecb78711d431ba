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

  it('requires an admin token outside demo mode', () => {
    expect(() => loadConfig({ FLOWGATE_DEMO: 'false' })).toThrow(/FLOWGATE_ADMIN_TOKEN: required when FLOWGATE_DEMO is off/);
  });
});
