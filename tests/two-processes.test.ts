// Two server processes on one DATA_FILE: the file lock and the change check make them act as one ledger.
import { postJson, startServer, type RunningServer } from './server-process';
import { dataNasabah, tempDataFile } from './helpers';
import { hasPostgres, newSchema } from './postgres';

async function saldo(server: RunningServer, noRekening: string): Promise<number> {
  const res = await fetch(`${server.baseUrl}/saldo/${noRekening}`);
  return ((await res.json()) as { saldo: number }).saldo;
}

/** The same races, on each store that several processes can share. */
const stores: [string, () => Promise<Record<string, string>>][] = [
  ['one JSON data file', async () => ({ DATA_FILE: await tempDataFile() })],
];
if (hasPostgres) {
  stores.push([
    'one PostgreSQL database',
    async () => ({ STORE: 'postgres', DATABASE_URL: await newSchema('proses') }),
  ]);
}

describe.each(stores)('two server processes on %s', (_nama, lingkungan) => {
  let a: RunningServer;
  let b: RunningServer;
  beforeAll(async () => {
    const env = await lingkungan();
    // At the same moment: on PostgreSQL both try to migrate, and the advisory lock makes them take turns.
    [a, b] = await Promise.all([startServer(env), startServer(env)]);
  });
  afterAll(async () => {
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
  });

  it('loses no deposit or withdrawal split between them, and both see the same saldo', async () => {
    const res = await postJson(a.baseUrl, '/daftar', dataNasabah());
    const { no_rekening } = (await res.json()) as { no_rekening: string };
    await postJson(b.baseUrl, '/tabung', { no_rekening, nominal: 100_000 });

    const jawaban = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        postJson((i % 2 === 0 ? a : b).baseUrl, i % 4 < 2 ? '/tabung' : '/tarik', {
          no_rekening,
          nominal: 1_000,
        }),
      ),
    );

    expect(jawaban.map((r) => r.status)).toEqual(Array<number>(200).fill(200));
    expect(await saldo(a, no_rekening)).toBe(100_000);
    expect(await saldo(b, no_rekening)).toBe(100_000);
  });

  it('lets exactly 133 of 200 withdrawals of 3000 through from 400,000, whichever process takes them', async () => {
    const res = await postJson(a.baseUrl, '/daftar', dataNasabah());
    const { no_rekening } = (await res.json()) as { no_rekening: string };
    await postJson(a.baseUrl, '/tabung', { no_rekening, nominal: 400_000 });

    const jawaban = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        postJson((i % 2 === 0 ? a : b).baseUrl, '/tarik', { no_rekening, nominal: 3_000 }),
      ),
    );

    expect(jawaban.filter((r) => r.status === 200)).toHaveLength(133);
    expect(await saldo(b, no_rekening)).toBe(1_000);
  });

  it('loses and invents no rupiah when both take opposite transfers between the same accounts at once', async () => {
    const rekening: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await postJson((i % 2 === 0 ? a : b).baseUrl, '/daftar', dataNasabah());
      const { no_rekening } = (await res.json()) as { no_rekening: string };
      await postJson(a.baseUrl, '/tabung', { no_rekening, nominal: 50_000 });
      rekening.push(no_rekening);
    }
    const [x = '', y = '', z = ''] = rekening;
    // Every pair in both directions, each direction through both processes.
    const arah: [string, string][] = [
      [x, y],
      [y, x],
      [y, z],
      [z, y],
      [z, x],
      [x, z],
    ];

    const jawaban = await Promise.all(
      Array.from({ length: 240 }, (_, i) => {
        const [asal, tujuan] = arah[Math.floor(i / 2) % arah.length] ?? [x, y];
        return postJson((i % 2 === 0 ? a : b).baseUrl, '/transfer', {
          no_rekening_asal: asal,
          no_rekening_tujuan: tujuan,
          nominal: 1_000,
        });
      }),
    );

    expect(jawaban.map((r) => r.status)).toEqual(Array<number>(240).fill(200));
    for (const noRekening of rekening) {
      expect(await saldo(a, noRekening)).toBe(50_000);
      expect(await saldo(b, noRekening)).toBe(50_000);
      const res = await fetch(`${b.baseUrl}/mutasi/${noRekening}`);
      const { mutasi } = (await res.json()) as { mutasi: { no_rekening_lawan?: string }[] };
      expect(mutasi.filter((m) => m.no_rekening_lawan !== undefined)).toHaveLength(160);
    }
  });

  it('registers one nik once when both processes get it at the same moment', async () => {
    for (let i = 0; i < 5; i += 1) {
      const { nik } = dataNasabah();
      const jawaban = await Promise.all([
        postJson(a.baseUrl, '/daftar', dataNasabah({ nik })),
        postJson(b.baseUrl, '/daftar', dataNasabah({ nik })),
      ]);
      expect(jawaban.map((r) => r.status).sort()).toEqual([200, 400]);
    }
  });

  it('lets no more than 3 wrong PINs be compared when both processes get 20 guesses at once', async () => {
    const daftar = await fetch(`${a.baseUrl}/daftar`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-PIN': '975318' },
      body: JSON.stringify(dataNasabah()),
    });
    const { no_rekening } = (await daftar.json()) as { no_rekening: string };

    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`${(i % 2 === 0 ? a : b).baseUrl}/saldo/${no_rekening}`, {
          headers: { 'X-PIN': String(100_000 + i) },
        }),
      ),
    );

    const statuses = guesses.map((res) => res.status).sort();
    expect(statuses).toEqual([...Array<number>(3).fill(403), ...Array<number>(17).fill(429)]);
    // Locked for both: the right PIN waits out the lockout too.
    const right = { headers: { 'X-PIN': '975318' } };
    expect((await fetch(`${a.baseUrl}/saldo/${no_rekening}`, right)).status).toBe(429);
    expect((await fetch(`${b.baseUrl}/saldo/${no_rekening}`, right)).status).toBe(429);
  });
});
