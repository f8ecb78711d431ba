import { Analytics } from '@segment/analytics-node';
import sendgrid from '@sendgrid/client';
import type { Client as SendgridClient } from '@sendgrid/client/src/client';
import OpenAI from 'openai';
import Stripe from 'stripe';
import type { Recorded } from './recording-http-vendor';

/** What a test sends about a person, through a vendor SDK's own API. */
export interface Person {
  readonly email: string;
  readonly name: string;
  /** Excluded from every flow: redact mode must strip exactly this. */
  readonly card?: string;
}

/** A real vendor SDK from npm, pointed at a loopback vendor. */
export interface VendorSdk {
  readonly name: 'stripe' | 'sendgrid' | 'segment' | 'openai';
  /** Which HTTP stack the SDK uses (so both hooks are covered). */
  readonly via: 'node:http' | 'fetch';
  /** What the vendor answers, so the SDK call completes. */
  respond(req: Recorded): { status: number; body: unknown };
  /** A client of the SDK for the vendor at `url`; `send` calls its API once. */
  client(url: string): { send(person: Person): Promise<void>; close(): Promise<void> };
  /** Where the person's data sits in a recorded request, read back as the vendor sees it. */
  personIn(req: Recorded): Partial<Person>;
  /** The recorded request, its body parsed, with what changes per call (ids, clocks) removed. */
  stable(req: Recorded): unknown;
}

const json = (req: Recorded): Record<string, unknown> =>
  JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;

export const stripeSdk: VendorSdk = {
  name: 'stripe',
  via: 'node:http',
  respond: () => ({ status: 200, body: { id: 'cus_1', object: 'customer' } }),
  client(url) {
    const { hostname, port } = new URL(url);
    const stripe = new Stripe('sk_test_flowgate', {
      host: hostname,
      port: Number(port),
      protocol: 'http',
      maxNetworkRetries: 0,
      telemetry: false,
    });
    return {
      send: async (p) => {
        await stripe.customers.create({
          email: p.email,
          name: p.name,
          ...(p.card === undefined ? {} : { metadata: { card: p.card } }),
        });
      },
      close: async () => undefined,
    };
  },
  personIn(req) {
    const form = new URLSearchParams(req.body.toString('utf8'));
    return clean({
      email: form.get('email'),
      name: form.get('name'),
      card: form.get('metadata[card]'),
    });
  },
  stable: (req) => ({ url: req.url, body: [...new URLSearchParams(req.body.toString('utf8'))] }),
};

export const sendgridSdk: VendorSdk = {
  name: 'sendgrid',
  via: 'node:http',
  respond: () => ({ status: 202, body: {} }),
  client(url) {
    // A client of its own (the package's default export is one shared client); its types omit the class.
    const client = new (sendgrid as unknown as { Client: new () => SendgridClient }).Client();
    client.setApiKey('SG.flowgate');
    client.setDefaultRequest('baseUrl', `${url}/`);
    return {
      send: async (p) => {
        await client.request({
          method: 'POST',
          url: '/v3/mail/send',
          body: {
            personalizations: [
              {
                to: [{ email: p.email, name: p.name }],
                ...(p.card === undefined ? {} : { custom_args: { card: p.card } }),
              },
            ],
            from: { email: 'noreply@vendor-a.example' },
            subject: 'Welcome',
            content: [{ type: 'text/plain', value: 'Hello' }],
          },
        });
      },
      close: async () => undefined,
    };
  },
  personIn(req) {
    const p = (
      json(req).personalizations as {
        to: { email: string; name: string }[];
        custom_args?: { card?: string };
      }[]
    )[0];
    return clean({ email: p.to[0]?.email, name: p.to[0]?.name, card: p.custom_args?.card });
  },
  stable: (req) => ({ url: req.url, body: json(req) }),
};

export const segmentSdk: VendorSdk = {
  name: 'segment',
  via: 'fetch',
  respond: () => ({ status: 200, body: {} }),
  client(url) {
    const errors: unknown[] = [];
    const analytics = new Analytics({
      writeKey: 'wk_flowgate',
      host: url,
      flushAt: 1,
      maxRetries: 0,
    });
    analytics.on('error', (error) => errors.push(error));
    return {
      send: (p) =>
        new Promise<void>((resolve, reject) => {
          analytics.track(
            {
              userId: 'user-1',
              event: 'Signed Up',
              properties: {
                email: p.email,
                name: p.name,
                ...(p.card === undefined ? {} : { card: p.card }),
              },
            },
            (error) => (error ? reject(error) : resolve()),
          );
        }),
      close: () => analytics.closeAndFlush({ timeout: 2_000 }),
    };
  },
  personIn(req) {
    const event = (json(req).batch as { properties: Partial<Person> }[])[0];
    return clean({
      email: event.properties.email,
      name: event.properties.name,
      card: event.properties.card,
    });
  },
  stable(req) {
    const body = json(req);
    const batch = (body.batch as Record<string, unknown>[]).map(
      ({ messageId: _m, timestamp: _t, _metadata: _d, ...rest }) => rest,
    );
    return { url: req.url, body: { ...body, sentAt: undefined, batch } };
  },
};

export const openaiSdk: VendorSdk = {
  name: 'openai',
  via: 'fetch',
  respond: () => ({
    status: 200,
    body: {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 0,
      model: 'gpt-4o-mini',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' },
      ],
    },
  }),
  client(url) {
    const openai = new OpenAI({ apiKey: 'sk-flowgate', baseURL: `${url}/v1`, maxRetries: 0 });
    return {
      send: async (p) => {
        await openai.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: `Write a welcome note for ${p.name}` }],
          user: p.email,
          ...(p.card === undefined ? {} : { metadata: { card: p.card } }),
        });
      },
      close: async () => undefined,
    };
  },
  personIn(req) {
    const body = json(req) as {
      user?: string;
      messages: { content: string }[];
      metadata?: { card?: string };
    };
    return clean({
      email: body.user,
      name: body.messages[0]?.content.replace('Write a welcome note for ', ''),
      card: body.metadata?.card,
    });
  },
  stable: (req) => ({ url: req.url, body: json(req) }),
};

export const VENDOR_SDKS: readonly VendorSdk[] = [stripeSdk, sendgridSdk, segmentSdk, openaiSdk];

function clean(p: {
  email?: string | null;
  name?: string | null;
  card?: string | null;
}): Partial<Person> {
  const out: { email?: string; name?: string; card?: string } = {};
  if (typeof p.email === 'string') out.email = p.email;
  if (typeof p.name === 'string') out.name = p.name;
  if (typeof p.card === 'string') out.card = p.card;
  return out;
}
