import { jest } from '@jest/globals';
import pino from 'pino';
import { isoTime } from './logging';

describe('isoTime (the log lines’ `time`, formatted once per millisecond)', () => {
  afterEach(() => jest.useRealTimers());

  it('writes what pino’s isoTime writes, and a new string when the millisecond changes', () => {
    jest.useFakeTimers({ now: Date.parse('2026-12-01T15:00:00.123Z') });
    expect(isoTime()).toBe(pino.stdTimeFunctions.isoTime());
    expect(isoTime()).toBe(',"time":"2026-12-01T15:00:00.123Z"');
    jest.setSystemTime(Date.parse('2026-12-01T15:00:00.124Z'));
    expect(isoTime()).toBe(',"time":"2026-12-01T15:00:00.124Z"');
    expect(isoTime()).toBe(pino.stdTimeFunctions.isoTime());
    jest.setSystemTime(Date.parse('2027-01-01T00:00:00.000Z'));
    expect(isoTime()).toBe(',"time":"2027-01-01T00:00:00.000Z"');
  });
});
