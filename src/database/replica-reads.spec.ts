import fc from 'fast-check';
import { insertLsn, parseLsn } from '../policy/change-log.service';
import { replicaName } from './replica-reads';

const lsnText = (n: bigint) => `${(n >> 32n).toString(16).toUpperCase()}/${(n & 0xffffffffn).toString(16).toUpperCase()}`;
const anyLsn = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

describe('WAL positions (pg_lsn text)', () => {
  it('parses every position PostgreSQL prints, keeping their order', () => {
    fc.assert(
      fc.property(anyLsn, anyLsn, (x, y) => {
        expect(parseLsn(lsnText(x))).toBe(x);
        expect(parseLsn(lsnText(x).toLowerCase())).toBe(x);
        expect(parseLsn(lsnText(x)) < parseLsn(lsnText(y))).toBe(x < y);
      }),
    );
    expect(parseLsn('16/B374D848')).toBe(0x16b374d848n);
  });

  it.each(['', '0', '1/', '/1', '1/2/3', 'G/0', '123456789/0', ' 0/1'])('refuses %j', (text) => {
    expect(() => parseLsn(text)).toThrow(/Not a WAL position/);
  });

  it('takes an insert position right after a page header back to the page boundary, where replay of the page before ends', () => {
    expect(insertLsn('0/3002018')).toBe(0x3002000n); // 8 KB page 0x3002000 + 24-byte short header
    expect(insertLsn('0/3002019')).toBe(0x3002019n);
    expect(insertLsn('0/3000028')).toBe(0x3000028n); // a segment's first page (40-byte header): left as is, conservative
    fc.assert(
      fc.property(anyLsn, (x) => {
        const reachable = insertLsn(lsnText(x));
        expect(reachable <= x && x - reachable <= 24n).toBe(true);
      }),
    );
  });
});

describe('replica names in /api/health and logs', () => {
  it('show host, port and database, never the user or password', () => {
    expect(replicaName('postgres://flowgate:hunter2@10.1.2.3:6432/flowgate')).toBe('10.1.2.3:6432/flowgate');
    expect(replicaName('postgresql://replica.internal/flowgate')).toBe('replica.internal:5432/flowgate');
    expect(replicaName('postgres://u:p@[bad/flowgate')).toBe('replica');
  });
});
