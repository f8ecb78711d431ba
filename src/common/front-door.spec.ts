import fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { installFrontDoor, type FrontDoorRoute } from './front-door';

/** The front door on a plain Fastify instance (the app's routes are compared in test/e2e/decision-route.e2e-spec.ts). */
describe(installFrontDoor.name, () => {
  let instance: FastifyInstance;
  let base: string;
  const lines: Record<string, unknown>[] = [];
  let answer: (body: unknown) => unknown;

  beforeAll(async () => {
    instance = fastify();
    instance.post('/echo', async () => ({ from: 'fastify' }));
    const route: FrontDoorRoute = {
      method: 'POST',
      url: '/echo',
      match: (path) => (path === '/echo' ? {} : null),
      handle: (request) => answer(request.body),
    };
    const logger = pino({ base: null }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    installFrontDoor(instance, {
      routes: [route],
      bodyLimit: () => 1024,
      headers: [['X-Test', 'front']],
      tlsHeaders: [],
      logger,
      logUserIds: false,
      mapException: (error) => error,
    });
    await instance.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(instance.server.address() as { port: number }).port}`;
  });

  afterAll(() => instance.close());

  const post = (body: string, type = 'application/json') => fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': type }, body });

  it('answers the route’s ordinary requests itself, and leaves the rest to Fastify', async () => {
    answer = (body) => ({ got: body });
    const front = await post('{"a":1}');
    expect(front.headers.get('x-test')).toBe('front');
    expect(await front.json()).toEqual({ got: { a: 1 } });
    const other = await post('{"a":1}', 'application/vnd.other+json');
    expect(other.headers.get('x-test')).toBeNull();
    // Fastify's own answer (this bare instance has no parser for that type).
    expect(other.status).toBe(415);
    expect(await other.json()).toMatchObject({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
    expect(await (await fetch(`${base}/echo?`, { method: 'POST' })).json()).toEqual({ from: 'fastify' });
  });

  it('answers 500 (and keeps running) when an answer cannot be serialised or the handler fails', async () => {
    answer = () => ({ big: 1n });
    const unserialisable = await post('{}');
    expect(unserialisable.status).toBe(500);
    expect(await unserialisable.json()).toMatchObject({ code: 'INTERNAL_ERROR' });
    answer = () => Promise.reject(new Error('boom'));
    const rejected = await post('{}');
    expect(rejected.status).toBe(500);
    expect(lines.some((l) => l.msg === 'Unhandled error' && typeof l.requestId === 'string')).toBe(true);
    answer = (body) => body;
    expect(await (await post('{"still":"up"}')).json()).toEqual({ still: 'up' });
  });
});
