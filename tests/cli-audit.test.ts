// npm run audit: an operator sees who made each mutasi of an account, from the store the server is configured with.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { dataNasabah, makeTestApp } from './helpers';

describe('npm run audit', () => {
  it('prints the whole history with who made each mutasi, one JSON line each, and the count on stderr', async () => {
    const { app, store, dataFile } = await makeTestApp();
    const noRekening = (
      (await request(app).post('/daftar').send(dataNasabah()).expect(200)).body as { no_rekening: string }
    ).no_rekening;
    const tabung = await request(app)
      .post('/tabung')
      .send({ no_rekening: noRekening, nominal: 5_000 })
      .expect(200);
    await store.close();

    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, '..', 'src', 'cli', 'audit.ts'), noRekening],
      { env: { ...process.env, STORE: 'json', DATA_FILE: dataFile }, encoding: 'utf8' },
    );

    expect(run.status).toBe(0);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([
      {
        waktu: expect.any(String) as unknown,
        kode_transaksi: 'C',
        nominal: 5_000,
        client: 'open',
        request_id: tabung.headers['x-request-id'],
      },
    ]);
    expect(run.stderr).toContain('1 mutasi');
  });

  it('refuses anything but one no_rekening, with its usage', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, '..', 'src', 'cli', 'audit.ts'), 'x'],
      {
        encoding: 'utf8',
      },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('pemakaian: npm run audit -- <no_rekening>');
  });
});
