/**
 * The decision API's limit on this machine: a bare `node:http` server that does what
 * `POST /api/v1/decisions` must do and nothing else: read the body, `JSON.parse` it, the
 * same `decide` of @flowgate/core on the same compiled policy and consents, and reply with
 * `JSON.stringify` of the decision. No framework, auth, validation, logging or metrics.
 * Run by bench/decision-api.bench.ts in its own process (as the server is), with a JSON
 * file of `{ map, consents: { [userId]: { choices, gpc } } }` as its only argument; prints
 * `listening <port>` once it listens on 127.0.0.1.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compileConsents, compilePolicy, decide, type ConsentChoices, type Consents, type DecisionRequest, type PolicyMap } from '@flowgate/core';

interface BareInput {
  map: PolicyMap;
  consents: Record<string, { choices: ConsentChoices; gpc: boolean }>;
}

const input = JSON.parse(readFileSync(process.argv[2], 'utf8')) as BareInput;
const policy = compilePolicy(input.map);
const consents = new Map<string, Consents>();
for (const [userId, c] of Object.entries(input.consents)) consents.set(userId, compileConsents(policy, c.choices, { gpc: c.gpc }));
const nobody = compileConsents(policy, {});

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/api/v1/decisions') {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    let parsed: { userId: string } & DecisionRequest;
    try {
      parsed = JSON.parse(body) as { userId: string } & DecisionRequest;
    } catch {
      res.writeHead(400).end();
      return;
    }
    const request: DecisionRequest = {
      subprocessor: parsed.subprocessor,
      purpose: parsed.purpose,
      fields: parsed.fields,
      payload: parsed.payload,
      gpc: parsed.gpc,
      at: Date.now(),
    };
    const json = JSON.stringify(decide(policy, consents.get(parsed.userId) ?? nobody, request));
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) });
    res.end(json);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
