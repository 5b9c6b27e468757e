// The long-history rows (issue 12): does one account with a very long history slow the others, or itself? On a
// server holding small accounts plus one big one: writes into each, a page of the big history, the whole of it,
// reads of a small account while the whole big history is read, and what that costs in memory.
import { stat } from 'node:fs/promises';
import type { RunningServer } from '../tests/server-process';
import { median, repeat, timedClient, type TimedClient } from './http-timing';
import { peakRssMb } from './measure';
import { seededNoRekening } from './seed';
import { saldoWhileReading, wholeHistory } from './whole-history';

export interface LongHistoryRow {
  target: string;
  postBigMs: number;
  postSmallMs: number;
  pageMs: number;
  /** A `sebelum` page one page back, and one `deepItems` entries back. */
  sebelumNearMs: number;
  sebelumDeepMs: number;
  deepItems: number;
  wholeMs: number;
  wholeFirstByteMs: number;
  wholeItems: number;
  wholeMb: number;
  /** The worst GET /saldo of a small account while READERS clients read the whole big history, and how many
   * probes and whole reads that window held. */
  saldoWorstMs: number;
  saldoProbes: number;
  readsDone: number;
  /** Memory once the file is loaded (or the pool opened), and at its peak after every step. */
  startRssMb: number;
  peakRssMb: number;
  fileMb?: number;
}

/** The data: this many small accounts, and one more (at index SMALL_ACCOUNTS) with this long a history. */
export const SMALL_ACCOUNTS = 1_000;
export const HISTORY_LENGTH = 200_000;

/** Every loop below stops at its count or its time budget, whichever comes first. */
const POSTS_PER_KIND = 200;
const POSTS_BUDGET_MS = 120_000;
const PAGE_SAMPLES = 50;
const PAGE_BUDGET_MS = 20_000;
const DEEP_PAGES = 100;

/** The `sebelum` cursor of a page answer, which must have one: the big history always has older entries. */
function cursorOf(body: Buffer | undefined): { sebelum: string; items: number } {
  const page = JSON.parse(body?.toString() ?? '{}') as { mutasi?: unknown[]; sebelum?: string };
  if (page.sebelum === undefined) throw new Error('a page of the long history came without a sebelum cursor');
  return { sebelum: page.sebelum, items: page.mutasi?.length ?? 0 };
}

/** POSTs alternate between the big account and small ones, so drift on a shared machine hits both alike. */
async function postMedians(client: TimedClient, big: string, accounts: number) {
  const tabung = (noRekening: string) =>
    client.request('POST', '/tabung', { json: { no_rekening: noRekening, nominal: 1_000 } });
  await repeat(20, 10_000, (i) => tabung(i % 2 === 0 ? big : seededNoRekening(i % accounts)));
  const bigMs: number[] = [];
  const smallMs: number[] = [];
  await repeat(POSTS_PER_KIND, POSTS_BUDGET_MS, async (i) => {
    bigMs.push((await tabung(big)).ms);
    smallMs.push((await tabung(seededNoRekening(i % accounts))).ms);
  });
  return { postBigMs: median(bigMs), postSmallMs: median(smallMs) };
}

/** The newest page, a page one back by its real cursor, and one found by walking 1,000-entry pages back. */
async function pageMedians(client: TimedClient, big: string) {
  const pageMs = async (query: string) =>
    median(
      await repeat(
        PAGE_SAMPLES,
        PAGE_BUDGET_MS,
        async () => (await client.request('GET', `/mutasi/${big}?${query}`)).ms,
      ),
    );
  const first = await client.request('GET', `/mutasi/${big}?limit=10`, { keepBody: true });
  const near = cursorOf(first.body).sebelum;
  let deep = near;
  let deepItems = 10;
  await repeat(DEEP_PAGES, PAGE_BUDGET_MS, async () => {
    const page = cursorOf(
      (await client.request('GET', `/mutasi/${big}?limit=1000&sebelum=${deep}`, { keepBody: true })).body,
    );
    deep = page.sebelum;
    deepItems += page.items;
  });
  return {
    pageMs: await pageMs('limit=10'),
    sebelumNearMs: await pageMs(`limit=10&sebelum=${near}`),
    sebelumDeepMs: await pageMs(`limit=10&sebelum=${deep}`),
    deepItems,
  };
}

/** One row: `server` holds SMALL_ACCOUNTS small accounts and the big one after them. */
export async function measureLongHistory(
  target: string,
  server: RunningServer,
  dataFile?: string,
): Promise<LongHistoryRow> {
  const accounts = SMALL_ACCOUNTS;
  const big = seededNoRekening(accounts);
  const startRssMb = peakRssMb(server.child.pid);
  const client = timedClient(server.port);
  try {
    const row: LongHistoryRow = {
      target,
      ...(await postMedians(client, big, accounts)),
      ...(await pageMedians(client, big)),
      ...(await wholeHistory(client, big)),
      ...(await saldoWhileReading(server.port, big, seededNoRekening(0))),
      startRssMb,
      peakRssMb: peakRssMb(server.child.pid),
    };
    if (dataFile !== undefined) row.fileMb = (await stat(dataFile)).size / 1e6;
    console.error(
      `  ${target}: POST big ${row.postBigMs.toFixed(1)} ms, small ${row.postSmallMs.toFixed(1)} ms; ` +
        `limit=10 ${row.pageMs.toFixed(1)} ms; whole ${row.wholeMs.toFixed(0)} ms; ` +
        `worst saldo ${row.saldoWorstMs.toFixed(0)} ms (${row.saldoProbes} probes, ${row.readsDone} whole reads)`,
    );
    return row;
  } finally {
    client.close();
  }
}
