import { createGuard, isFlowgateError, memoryReporter, staticSource, type ConsentDeniedError, type Guard, type StaticSource } from '@flowgate/sdk';
import { exampleMap, type ExampleName } from './factories/example-map.factory';
import { startVendorServer, type VendorServer } from './support/vendor-server';

/** Scripted scenarios on the four example maps, through guard.fetch to loopback vendors. */
let vendor: VendorServer;
beforeAll(async () => {
  vendor = await startVendorServer();
});
afterAll(() => vendor.close());
beforeEach(() => vendor.reset());

const USER = 'ada@example.com';

function setup(name: ExampleName): { source: StaticSource; guard: Guard; redact: Guard } {
  const source = staticSource({ map: exampleMap(name) });
  const guard = createGuard({ source, reporter: memoryReporter() });
  return { source, guard, redact: guard.extend({ mode: 'redact' }) };
}

/** POSTs `payload` as JSON to `/<subprocessor>` on the loopback vendor through the guard. */
async function post(guard: Guard, subprocessor: string, purpose: string | undefined, payload: unknown, userId = USER) {
  try {
    const res = await guard.fetch(`${vendor.url}/${subprocessor}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) }, { userId, subprocessor, purpose });
    await res.arrayBuffer();
    return { sent: true as const, received: vendor.lastJson() };
  } catch (error) {
    if (!isFlowgateError(error)) throw error;
    const e = error as ConsentDeniedError;
    return { sent: false as const, blocked: e.decision.blocked.map((b) => `${b.field}:${b.reason}`), reasons: e.reasons };
  }
}

describe('Caplena', () => {
  const replay = { page: '/projects/42/charts', event: 'chart.opened', project: { name: 'NPS Q3' } };

  it('Logrocket receives page metadata until the user opts out', async () => {
    const { source, guard } = setup('caplena');
    expect(await post(guard, 'logrocket', 'session-replay', replay)).toEqual({ sent: true, received: replay });
    source.setChoice(USER, 'logrocket.session-replay', { granted: false, version: 1 });
    expect(await post(guard, 'logrocket', 'session-replay', replay)).toMatchObject({ sent: false, reasons: ['opted-out'] });
    expect(vendor.count('/logrocket')).toBe(1);
  });

  it("a payload with the user's email to Logrocket is blocked as excluded; redact mode sends the rest", async () => {
    const { guard, redact } = setup('caplena');
    const withEmail = { ...replay, user: { email: 'ada@example.com' } };
    expect(await post(guard, 'logrocket', 'session-replay', withEmail)).toEqual({ sent: false, blocked: ['user.contact.email:excluded'], reasons: ['excluded'] });
    expect(vendor.count()).toBe(0);
    expect(await post(redact, 'logrocket', 'session-replay', withEmail)).toEqual({ sent: true, received: { ...replay, user: {} } });
  });

  it('DeepL receives the text columns only after opt-in, and never the other columns', async () => {
    const { source, guard, redact } = setup('caplena');
    const translate = { text: ['Great service', 'Too slow'], target_lang: 'DE' };
    expect(await post(guard, 'deepl', 'translation', translate)).toMatchObject({ sent: false, reasons: ['not-opted-in'] });
    expect(vendor.count()).toBe(0);
    source.setChoice(USER, 'deepl.translation', { granted: true, version: 1 });
    expect(await post(guard, 'deepl', 'translation', translate)).toEqual({ sent: true, received: translate });
    const more = { ...translate, other_columns: ['age: 42'] };
    expect(await post(guard, 'deepl', 'translation', more)).toMatchObject({ sent: false, blocked: ['content.other-columns:excluded'] });
    // Blocked array elements are dropped; the (now empty) list stays, so the request keeps its shape.
    expect(await post(redact, 'deepl', 'translation', more)).toEqual({ sent: true, received: { ...translate, other_columns: [] } });
  });

  it('Google Cloud (required) gets everything it declares, whatever the user chose', async () => {
    const { source, guard } = setup('caplena');
    source.setChoice(USER, 'google-cloud.hosting', { granted: false, version: 1 });
    const upload = { name: 'Ada Lovelace', email: 'ada@example.com', text_columns: ['Great service'] };
    expect(await post(guard, 'google-cloud', 'hosting', upload)).toEqual({ sent: true, received: upload });
  });
});

describe('Miso', () => {
  it('Zendesk never receives case data (stored only in Azure); Azure does', async () => {
    const { guard } = setup('miso');
    const ticket = { email: 'ada@example.com', message: 'Help with my case', case: { id: 'C-1', diagnosis: 'x' } };
    expect(await post(guard, 'zendesk', 'support', ticket)).toMatchObject({ sent: false, blocked: ['content.case-data:excluded'] });
    expect(await post(guard, 'microsoft-azure', 'hosting', { case: ticket.case, email: 'ada@example.com' })).toMatchObject({ sent: true });
  });

  it('Microsoft 365 product analytics (opt-in) waits for consent; its productivity flow does not', async () => {
    const { source, guard } = setup('miso');
    expect(await post(guard, 'microsoft-365', 'product-analytics', { event: 'case.opened' })).toMatchObject({ sent: false, reasons: ['not-opted-in'] });
    expect(await post(guard, 'microsoft-365', 'productivity', { email: 'ada@example.com', message: 'hi' })).toMatchObject({ sent: true });
    source.setChoice(USER, 'microsoft-365.product-analytics', { granted: true, version: 1 });
    expect(await post(guard, 'microsoft-365', 'product-analytics', { event: 'case.opened' })).toMatchObject({ sent: true });
  });

  it('Stripe does not get the phone number (undeclared) and Cloudflare gets the IP', async () => {
    const { guard } = setup('miso');
    expect(await post(guard, 'stripe', 'payments', { card: { last4: '4242' }, phone: '+44 20 7946 0958' })).toMatchObject({ sent: false, blocked: ['user.contact.phone:undeclared'] });
    expect(await post(guard, 'cloudflare', 'content-delivery', { ip: '192.0.2.1' })).toMatchObject({ sent: true });
  });
});

describe('Qase', () => {
  it('Stripe payment analytics (opt-in) gets invoice items only after consent; payments need no consent', async () => {
    const { source, guard } = setup('qase');
    const invoice = { lines: [{ amount: 1200, description: 'Qase Business' }], plan: 'business' };
    expect(await post(guard, 'stripe', 'payment-analytics', invoice)).toMatchObject({ sent: false, reasons: ['not-opted-in'] });
    expect(await post(guard, 'stripe', 'payments', { card: { last4: '4242' }, email: 'ada@example.com' })).toMatchObject({ sent: true });
    source.setChoice(USER, 'stripe.payment-analytics', { granted: true, version: 1 });
    expect(await post(guard, 'stripe', 'payment-analytics', invoice)).toEqual({ sent: true, received: invoice });
  });

  it('a call to Stripe without a purpose is denied: Stripe has two flows', async () => {
    const { guard } = setup('qase');
    expect(await post(guard, 'stripe', undefined, { email: 'ada@example.com' })).toMatchObject({ sent: false, reasons: ['no-flow'] });
  });

  it('support tools get the conversation but not test data (undeclared)', async () => {
    const { guard } = setup('qase');
    expect(await post(guard, 'intercom', 'support', { email: 'ada@example.com', message: 'Run 7 fails' })).toMatchObject({ sent: true });
    expect(await post(guard, 'intercom', 'support', { email: 'ada@example.com', test_runs: [{ id: 7 }] })).toMatchObject({ sent: false, blocked: ['content.test-data:undeclared'] });
  });
});

describe('Numberz', () => {
  it('AWS gets no personal data at all ("Data Shared: None")', async () => {
    const { guard } = setup('numberz');
    expect(await post(guard, 'aws', 'hosting', {})).toEqual({ sent: true, received: {} });
    expect(await post(guard, 'aws', 'hosting', { email: 'ada@example.com' })).toMatchObject({ sent: false, blocked: ['user.contact.email:undeclared'] });
  });

  it('QuickBooks accounting gets invoices but never the financial records', async () => {
    const { guard, redact } = setup('numberz');
    const books = { name: 'Ada Lovelace', lines: [{ amount: 100 }], receivables: [{ customer: 'Grace', due: 100 }] };
    expect(await post(guard, 'quickbooks', 'accounting', books)).toMatchObject({ sent: false, blocked: ['content.financial-records:excluded'] });
    expect(await post(redact, 'quickbooks', 'accounting', books)).toEqual({ sent: true, received: { name: 'Ada Lovelace', lines: [{ amount: 100 }], receivables: [] } });
  });

  it('SendGrid delivers the email message, and nothing is opt-out-able', async () => {
    const { source, guard } = setup('numberz');
    source.setChoice(USER, 'sendgrid.email-delivery', { granted: false, version: 1 });
    const mail = { personalizations: [{ to: [{ email: 'ada@example.com' }] }], subject: 'Your invoice', content: [{ value: 'Hi Ada' }] };
    expect(await post(guard, 'sendgrid', 'email-delivery', mail)).toEqual({ sent: true, received: mail });
  });
});
