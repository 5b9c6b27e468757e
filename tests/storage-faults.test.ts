import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { canFillDisk, canMakeReadOnly, faultDir, type FaultDir } from './fault-dir';
import { daftarNasabah, makeTestApp, saldo, tabung, tempDataFile } from './helpers';

describe('when the disk refuses a write', () => {
  let fault: FaultDir;
  afterEach(async () => {
    await fault.cleanup();
  });

  (canMakeReadOnly ? it : it.skip)(
    'answers 503 to every move in the batch, keeps memory equal to disk, and recovers (skipped where neither chmod nor a tmpfs mount can make a directory read-only: on Windows, and as root unless Linux lets it mount a tmpfs)',
    async () => {
      fault = await faultDir();
      const { app, dataFile } = await makeTestApp({ dataFile: path.join(fault.dir, 'nasabah.json') });
      const noRekening = await daftarNasabah(app);
      await tabung(app, noRekening, 100);
      const diDisk = await readFile(dataFile, 'utf8');
      await fault.readOnly();

      const batch = await Promise.all(
        Array.from({ length: 10 }, () =>
          request(app).post('/tabung').send({ no_rekening: noRekening, nominal: 1 }),
        ),
      );

      expect(batch.map((res) => res.status)).toEqual(Array<number>(10).fill(503));
      expect(batch[0]?.body).toEqual({
        remark: expect.stringMatching(
          /^gagal (mengunci|menyimpan) berkas data \(E[A-Z]+\), tidak ada yang berubah$/,
        ) as unknown,
      });
      expect(await saldo(app, noRekening)).toBe(100);
      expect(await readFile(dataFile, 'utf8')).toBe(diDisk);

      await fault.writable();
      await tabung(app, noRekening, 5);
      expect(await saldo(app, noRekening)).toBe(105);
    },
  );

  (canFillDisk ? it : it.skip)(
    'answers 503 when the disk is full, leaves no temp file behind, and loses nothing acknowledged (skipped without a tmpfs to fill: it needs Linux, as root with permission to mount)',
    async () => {
      fault = await faultDir(64);
      const { app, dataFile } = await makeTestApp({ dataFile: path.join(fault.dir, 'nasabah.json') });
      const noRekening = await daftarNasabah(app);
      // Grow the file until a second copy of it (the temp file) no longer fits in 64 kB.
      let diterima = 0;
      for (;;) {
        const res = await request(app).post('/tabung').send({ no_rekening: noRekening, nominal: 1 });
        if (res.status !== 200) {
          expect(res.status).toBe(503);
          break;
        }
        diterima += 1;
      }

      expect(diterima).toBeGreaterThan(10);
      expect(await saldo(app, noRekening)).toBe(diterima);
      expect(await readdir(fault.dir)).toEqual(['nasabah.json']);
      const file = JSON.parse(await readFile(dataFile, 'utf8')) as {
        nasabah: Record<string, { saldo: number }>;
      };
      expect(file.nasabah[noRekening]?.saldo).toBe(diterima);
    },
  );
});

describe('when a crash left a temp file behind', () => {
  it('removes the temp files of dead processes at start, keeps a live one, and serves the real file', async () => {
    const dataFile = await tempDataFile();
    const mati = spawnSync(process.execPath, ['-e', '0']).pid;
    const tempMati = `${dataFile}.${mati}.deadbeef.tmp`;
    const tempHidup = `${dataFile}.${process.pid}.cafebabe.tmp`;
    await writeFile(tempMati, '{"nasabah": {"setengah');
    await writeFile(tempHidup, '{}');

    const { app } = await makeTestApp({ dataFile });

    expect(existsSync(tempMati)).toBe(false);
    expect(existsSync(tempHidup)).toBe(true);
    await daftarNasabah(app);
  });
});
