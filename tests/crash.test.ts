// kill -9 at random moments while 16 clients deposit: nothing acknowledged may be lost, nothing invented.
import { readFile } from 'node:fs/promises';
import { postJson, startServer } from './server-process';
import { tempDataFile } from './helpers';

const SIKLUS = 10;
const KLIEN = 16;
const STALE_MS = 2_000;

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
      let hidup = true;
      const klien = Array.from({ length: KLIEN }, async (_, k) => {
        for (let n = 0; hidup && n < 10_000; n += 1) {
          const noRekening = rekening[(k + n) % rekening.length] ?? '';
          const nominal = 1 + ((k * 7919 + n * 104729) % 1000);
          dicoba.set(noRekening, (dicoba.get(noRekening) ?? 0) + nominal);
          try {
            const res = await postJson(server.baseUrl, '/tabung', { no_rekening: noRekening, nominal });
            if (res.status === 200) diakui.set(noRekening, (diakui.get(noRekening) ?? 0) + nominal);
          } catch {
            return; // the server is gone
          }
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 500));
      server.child.kill('SIGKILL');
      hidup = false;
      await Promise.all([server.exited, ...klien]);

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
