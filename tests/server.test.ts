import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { failedStart, postJson, startServer } from './server-process';
import { tempDataFile } from './helpers';

describe('the server process', () => {
  it('creates the data file, serves the API, and on SIGTERM exits 0 with the lock released', async () => {
    const dataFile = await tempDataFile();
    const server = await startServer({ DATA_FILE: dataFile });

    const daftar = await postJson(server.baseUrl, '/daftar', {
      nama: 'Budi',
      nik: '3201010101010001',
      no_hp: '081234567890',
    });
    const { no_rekening } = (await daftar.json()) as { no_rekening: string };
    const tabung = await postJson(server.baseUrl, '/tabung', { no_rekening, nominal: 5_000 });
    server.child.kill('SIGTERM');

    expect(tabung.status).toBe(200);
    expect(await server.exited).toBe(0);
    expect(existsSync(`${dataFile}.lock`)).toBe(false);
    const file = JSON.parse(await readFile(dataFile, 'utf8')) as {
      nasabah: Record<string, { saldo: number }>;
    };
    expect(file.nasabah[no_rekening]?.saldo).toBe(5_000);
  });

  it('refuses to start on an invalid data file, says why, and leaves the file byte-for-byte', async () => {
    const dataFile = await tempDataFile();
    const isi =
      '{"nasabah": {"1234567890": {"nama": "Budi", "nik": "3201010101010001", "no_hp": "081234567890", "saldo": 5, "mutasi": []}}}';
    await writeFile(dataFile, isi);

    const { code, output } = await failedStart({ DATA_FILE: dataFile });

    expect(code).not.toBe('0');
    expect(output).toContain(
      'rekening 1234567890: saldo tidak sama dengan jumlah mutasi (ΣC − ΣD) (saldo 5, ΣC − ΣD = 0)',
    );
    expect(await readFile(dataFile, 'utf8')).toBe(isi);
  });

  it('refuses to start with STORE=postgres but no DATABASE_URL, saying what to set', async () => {
    const { code, output } = await failedStart({ DATA_FILE: await tempDataFile(), STORE: 'postgres' });
    expect(code).toBe('1');
    expect(output).toContain('konfigurasi tidak valid: DATABASE_URL: wajib diisi bila STORE=postgres');
  });

  it.each([
    ['STORE', 'mysql'],
    ['DATABASE_URL', 'http://contoh.test/db'],
    ['PORT', 'delapan'],
    ['PORT', '70000'],
    ['LOG_LEVEL', 'cerewet'],
  ])('refuses to start when %s is %s, naming the variable', async (name, value) => {
    const { code, output } = await failedStart({ DATA_FILE: await tempDataFile(), [name]: value });
    expect(code).toBe('1');
    expect(output).toContain(`konfigurasi tidak valid: ${name}`);
  });
});
