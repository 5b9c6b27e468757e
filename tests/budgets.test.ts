// The pieces of the per-client budgets on their own: token buckets on a clock the test moves, how addresses
// group into one caller, and the whole-history streams a client may have open.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Request, Response } from 'express';
import { addressGroup } from '../src/http/address-group';
import { createClientBudgets, MUTASI_PER_TOKEN, STREAMS_PER_CLIENT } from '../src/http/budgets';
import { createClosingConnections } from '../src/http/closing';
import { HttpError } from '../src/http/error-handler';
import { createTokenBuckets } from '../src/http/token-buckets';
import { silentLogger } from './helpers';

describe('token buckets', () => {
  let now = 0;
  const buckets = createTokenBuckets(() => now);
  afterAll(() => buckets.close());
  const rate = { perSecond: 10, burst: 20 };

  it('admit a burst, then refuse with the ms until a token is back, and refill at the rate', () => {
    now = 0;
    for (let i = 0; i < 20; i += 1) expect(buckets.take('a', rate)).toBe(0);
    expect(buckets.take('a', rate)).toBe(100);
    now += 100;
    expect(buckets.take('a', rate)).toBe(0);
    expect(buckets.take('a', rate)).toBe(100);
    // Another key's bucket is its own.
    expect(buckets.take('b', rate)).toBe(0);
  });

  it('let work already done run into debt, which the next requests wait out', () => {
    now = 10_000;
    buckets.charge('c', rate, 25);
    expect(buckets.debtMs('c', rate)).toBe(500);
    expect(buckets.take('c', rate)).toBe(600);
    now += 600;
    expect(buckets.debtMs('c', rate)).toBe(0);
    expect(buckets.take('c', rate)).toBe(0);
  });
});

describe('addressGroup', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    [undefined, 'unknown'],
  ])('groups %s as %s', (address, group) => {
    expect(addressGroup(address)).toBe(group);
  });

  it('puts two addresses of one /64 together, and of two /64s apart', () => {
    expect(addressGroup('2001:db8:a:b::1')).toBe(addressGroup('2001:db8:a:b:ffff:ffff:ffff:ffff'));
    expect(addressGroup('2001:db8:a:b::1')).not.toBe(addressGroup('2001:db8:a:c::1'));
  });
});

/** A request from `ip` and its answer, unsent: the budgets read the address and wait for the answer's close. */
function fakeExchange(ip: string): { req: Request; res: Response } {
  const req = Object.assign(new IncomingMessage(new Socket()), { ip });
  return { req: req as Request, res: new ServerResponse(req) as Response };
}

describe('whole-history streams', () => {
  const budgets = createClientBudgets(
    { requestsPerSecond: 10, daftarPerHour: 0, maxQueuedChanges: 10 },
    silentLogger,
    createClosingConnections(),
  );
  afterAll(() => budgets.close());

  it(`allow ${STREAMS_PER_CLIENT} at once per client, answer the next 429, and free a slot when one ends`, () => {
    const open = Array.from({ length: STREAMS_PER_CLIENT }, () => fakeExchange('192.0.2.1'));
    for (const { req, res } of open) budgets.stream(req, res);
    const extra = fakeExchange('192.0.2.1');
    expect(() => budgets.stream(extra.req, extra.res)).toThrow(HttpError);
    // Another address is another client.
    const other = fakeExchange('192.0.2.2');
    expect(() => budgets.stream(other.req, other.res)).not.toThrow();
    open[0]?.res.emit('close');
    expect(() => budgets.stream(extra.req, extra.res)).not.toThrow();
  });

  it('cost by what they read: the pace waits once the client has spent its burst', async () => {
    const { req, res } = fakeExchange('192.0.2.3');
    const pace = budgets.stream(req, res);
    // Two seconds' worth (the burst) at once is free to read; the next batch waits for the debt to refill.
    await pace(20 * MUTASI_PER_TOKEN);
    const started = performance.now();
    await pace(MUTASI_PER_TOKEN);
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    res.emit('close');
  });
});
