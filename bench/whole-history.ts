// Reading a long history whole: how long the answer takes and how big it is, and what readers of it do to a
// small account's GET /saldo on the same server. Part of the long-history rows (bench/long-history.ts).
import { repeat, sleep, median, timedClient, type TimedClient } from './http-timing';

/** Every loop stops at its count or its time budget, whichever comes first. */
const WHOLE_READS = 3;
const WHOLE_BUDGET_MS = 60_000;
export const READERS = 4;
const READS_PER_READER = 50;
const PROBE_WINDOW_MS = 5_000;
const PROBES_MAX = 500;
const PROBE_GAP_MS = 10;

/** The whole history a few times, timed to its last byte and its first; the answer's size from the last read. */
export async function wholeHistory(client: TimedClient, noRekening: string) {
  const reads = await repeat(WHOLE_READS, WHOLE_BUDGET_MS, () =>
    client.request('GET', `/mutasi/${noRekening}`, { keepBody: true }),
  );
  const last = reads.at(-1);
  const answer = JSON.parse(last?.body?.toString() ?? '{}') as { mutasi?: unknown[] };
  return {
    wholeMs: median(reads.map((r) => r.ms)),
    wholeFirstByteMs: median(reads.map((r) => r.firstByteMs)),
    wholeItems: answer.mutasi?.length ?? NaN,
    wholeMb: (last?.bytes ?? NaN) / 1e6,
  };
}

/**
 * The worst GET /saldo of `small` while READERS clients read the whole history of `big` back to back, each on
 * its own connection. The readers keep no bytes, only count them, so this process stays free to time the probes.
 */
export async function saldoWhileReading(port: number, big: string, small: string) {
  const readers = Array.from({ length: READERS }, () => timedClient(port));
  const probe = timedClient(port);
  let reading = true;
  let readsDone = 0;
  const loops = readers.map((reader) =>
    repeat(READS_PER_READER, PROBE_WINDOW_MS * 4, async () => {
      if (!reading) return;
      await reader.request('GET', `/mutasi/${big}`);
      readsDone += 1;
    }),
  );
  try {
    await sleep(PROBE_GAP_MS * 10); // the readers' first requests are under way before the first probe
    const probes = await repeat(PROBES_MAX, PROBE_WINDOW_MS, async () => {
      const { ms } = await probe.request('GET', `/saldo/${small}`);
      await sleep(PROBE_GAP_MS);
      return ms;
    });
    reading = false;
    await Promise.all(loops); // a reader's failure fails the row, as a probe's does
    return { saldoWorstMs: Math.max(...probes), saldoProbes: probes.length, readsDone };
  } finally {
    reading = false;
    await Promise.allSettled(loops);
    for (const client of [...readers, probe]) client.close();
  }
}
