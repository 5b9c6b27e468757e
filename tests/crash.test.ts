// kill -9 at random moments while 16 clients deposit: nothing acknowledged may be lost, nothing invented.
import { readFile } from 'node:fs/promises';
import { postJson, startServer, type RunningServer } from './server-process';
import { tempDataFile } from './helpers';

const SIKLUS = 10;
const KLIEN = 16;
const STALE_MS = 2_000;

/**
 * KLIEN clients each send requests (`send(client, n)`, up to 10,000) until the server is killed with SIGKILL at a
 * random moment 150–650 ms in; resolves once the process and every client have stopped.
 */
async function killMidTraffic(
  server: RunningServer,
  send: (client: number, n: number) => Promise<void>,
): Promise<void> {
  let alive = true;
  const clients = Array.from({ length: KLIEN }, async (_, k) => {
    for (let n = 0; alive && n < 10_000; n += 1) {
      try {
        await send(k, n);
      } catch {
        return; // the server is gone
      }
    }
  });
  await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 500));
  server.child.kill('SIGKILL');
  alive = false;
  await Promise.all([server.exited, ...clients]);
}

describe('when the server is killed with SIGKILL mid-traffic', () => {
  it(`keeps every acknowledged deposit and invents none, over ${SIKLUS} kill-and-restart cycles`, async () => {
    const dataFile = await tempDataFile();
    const env = { DATA_FILE: dataFile, LOCK_STALE_MS: String(STALE_MS) };
    let server = await startServer(env);
    const rekening: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const nik = `320101010199${String(i).padStart(4, '0')}`;
      const res = await postJson(server.baseUrl, '/daftar', {
        nama: `Korban ${i}`,
        nik,
        no_hp: `08129999000${i}`,
      });
      rekening.push(((await res.json()) as { no_rekening: string }).no_rekening);
    }
    const diakui = new Map(rekening.map((r) => [r, 0]));
    const dicoba = new Map(rekening.map((r) => [r, 0]));

    for (let siklus = 0; siklus < SIKLUS; siklus += 1) {
      const running = server;
      await killMidTraffic(running, async (k, n) => {
        const noRekening = rekening[(k + n) % rekening.length] ?? '';
        const nominal = 1 + ((k * 7919 + n * 104729) % 1000);
        dicoba.set(noRekening, (dicoba.get(noRekening) ?? 0) + nominal);
        const res = await postJson(running.baseUrl, '/tabung', { no_rekening: noRekening, nominal });
        if (res.status === 200) diakui.set(noRekening, (diakui.get(noRekening) ?? 0) + nominal);
      });

      // The file must parse and keep its invariants: the server refuses to start otherwise.
      server = await startServer(env);
      const mulai = Date.now();
      const pertama = await postJson(server.baseUrl, '/tabung', { no_rekening: rekening[0], nominal: 1 });
      expect(pertama.status).toBe(200);
      // The killed process's lock may block the first write, but never past the stale time plus 5 s.
      expect(Date.now() - mulai).toBeLessThan(STALE_MS + 5_000);
      diakui.set(rekening[0] ?? '', (diakui.get(rekening[0] ?? '') ?? 0) + 1);
      dicoba.set(rekening[0] ?? '', (dicoba.get(rekening[0] ?? '') ?? 0) + 1);

      for (const noRekening of rekening) {
        const res = await fetch(`${server.baseUrl}/saldo/${noRekening}`);
        const { saldo } = (await res.json()) as { saldo: number };
        expect(saldo).toBeGreaterThanOrEqual(diakui.get(noRekening) ?? 0);
        expect(saldo).toBeLessThanOrEqual(dicoba.get(noRekening) ?? 0);
      }
    }
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(JSON.parse(await readFile(dataFile, 'utf8'))).toHaveProperty('nasabah');
  }, 120_000);
});

interface StoredMutasi {
  waktu: string;
  kode_transaksi: 'C' | 'D';
  nominal: number;
  no_rekening_lawan?: string;
}
type StoredFile = { nasabah: Record<string, { saldo: number; mutasi: StoredMutasi[] }> };

/** Each transfer half in the file as "asal>tujuan|waktu|nominal": a D and its C give the same line. */
function transferHalves(file: StoredFile): { debit: string[]; kredit: string[] } {
  const debit: string[] = [];
  const kredit: string[] = [];
  for (const [noRekening, { mutasi }] of Object.entries(file.nasabah)) {
    for (const { kode_transaksi, no_rekening_lawan: lawan, waktu, nominal } of mutasi) {
      if (lawan === undefined) continue;
      if (kode_transaksi === 'D') debit.push(`${noRekening}>${lawan}|${waktu}|${nominal}`);
      else kredit.push(`${lawan}>${noRekening}|${waktu}|${nominal}`);
    }
  }
  return { debit: debit.sort(), kredit: kredit.sort() };
}

/** How many times each item occurs. */
function countOf(items: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

describe('when the server is killed with SIGKILL during a stream of transfers', () => {
  const TRANSFER_SIKLUS = 5;

  it(`keeps the total of all saldo and leaves no transfer half there, over ${TRANSFER_SIKLUS} kill-and-restart cycles`, async () => {
    const dataFile = await tempDataFile();
    const env = { DATA_FILE: dataFile, LOCK_STALE_MS: String(STALE_MS) };
    let server = await startServer(env);
    const rekening: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const res = await postJson(server.baseUrl, '/daftar', {
        nama: `Pengirim ${i}`,
        nik: `320101010198${String(i).padStart(4, '0')}`,
        no_hp: `08129998000${i}`,
      });
      const { no_rekening } = (await res.json()) as { no_rekening: string };
      expect((await postJson(server.baseUrl, '/tabung', { no_rekening, nominal: 100_000 })).status).toBe(200);
      rekening.push(no_rekening);
    }
    let total = 4 * 100_000;
    /** "asal>tujuan:nominal" for every transfer answered 200, and for every one sent. */
    const diakui: string[] = [];
    const dicoba: string[] = [];

    for (let siklus = 0; siklus < TRANSFER_SIKLUS; siklus += 1) {
      const running = server;
      await killMidTraffic(running, async (k, n) => {
        const asal = rekening[(k + n) % rekening.length] ?? '';
        const tujuan = rekening[(k + 2 * n + 1) % rekening.length] ?? '';
        if (asal === tujuan) return;
        const nominal = 1 + ((k * 7919 + n * 104729) % 1000);
        dicoba.push(`${asal}>${tujuan}:${nominal}`);
        const res = await postJson(running.baseUrl, '/transfer', {
          no_rekening_asal: asal,
          no_rekening_tujuan: tujuan,
          nominal,
        });
        if (res.status === 200) diakui.push(`${asal}>${tujuan}:${nominal}`);
      });

      server = await startServer(env);
      const pertama = await postJson(server.baseUrl, '/tabung', { no_rekening: rekening[0], nominal: 1 });
      expect(pertama.status).toBe(200);
      total += 1;

      const saldo = await Promise.all(
        rekening.map(async (noRekening) => {
          const res = await fetch(`${server.baseUrl}/saldo/${noRekening}`);
          return ((await res.json()) as { saldo: number }).saldo;
        }),
      );
      expect(saldo.every((s) => s >= 0)).toBe(true);
      expect(saldo.reduce((a, b) => a + b, 0)).toBe(total);

      // Written after the tabung above, so this is the file as the restarted server left it.
      const file = JSON.parse(await readFile(dataFile, 'utf8')) as StoredFile;
      const { debit, kredit } = transferHalves(file);
      expect(kredit).toEqual(debit);
      const diFile = countOf(debit.map((line) => line.replace(/\|.*\|/, ':')));
      const terlewat = [...countOf(diakui)].filter(([line, n]) => (diFile.get(line) ?? 0) < n);
      const dicobaCount = countOf(dicoba);
      const terkarang = [...diFile].filter(([line, n]) => (dicobaCount.get(line) ?? 0) < n);
      expect(terlewat).toEqual([]);
      expect(terkarang).toEqual([]);
    }
    expect(diakui.length).toBeGreaterThan(0);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 120_000);
});
