// The coalescer behind PostgreSQL's batched reads and moves, on its own: what it sends, when, and how answers
// and failures reach each caller.
import { createBatcher } from '../src/store/batcher';

/** A `kirim` whose batches stay in flight until the test answers them. */
function kirimTertahan() {
  const batches: {
    isi: readonly number[];
    jawab: (hasil: readonly (string | Error)[]) => void;
    gagal: (e: Error) => void;
  }[] = [];
  const kirim = (isi: readonly number[]) =>
    new Promise<readonly (string | Error)[]>((jawab, gagal) => batches.push({ isi, jawab, gagal }));
  return { batches, kirim };
}

/** Lets the coalescer finish its bookkeeping for the batch just answered. */
const giliran = () => new Promise(setImmediate);

describe('createBatcher', () => {
  it('sends a lone call at once, and what arrives meanwhile as the next batch, one batch at a time', async () => {
    const { batches, kirim } = kirimTertahan();
    const panggil = createBatcher(kirim);

    const pertama = panggil(1);
    const berikut = [panggil(2), panggil(3), panggil(4)];
    expect(batches.map((b) => b.isi)).toEqual([[1]]);

    batches[0]?.jawab(['satu']);
    expect(await pertama).toBe('satu');
    await giliran();
    expect(batches.map((b) => b.isi)).toEqual([[1], [2, 3, 4]]);
    batches[1]?.jawab(['dua', 'tiga', 'empat']);
    expect(await Promise.all(berikut)).toEqual(['dua', 'tiga', 'empat']);
  });

  it('fails only the call whose answer is an Error', async () => {
    const panggil = createBatcher((isi: readonly number[]) =>
      Promise.resolve(isi.map((n) => (n < 0 ? new RangeError(`negatif: ${n}`) : `ok ${n}`))),
    );

    const hasil = await Promise.allSettled([panggil(1), panggil(-2), panggil(3)]);

    expect(hasil).toEqual([
      { status: 'fulfilled', value: 'ok 1' },
      { status: 'rejected', reason: new RangeError('negatif: -2') },
      { status: 'fulfilled', value: 'ok 3' },
    ]);
  });

  it('fails every call of a batch whose sending fails, and still sends the next batch', async () => {
    const { batches, kirim } = kirimTertahan();
    const panggil = createBatcher(kirim);
    const pertama = panggil(1);
    const berikut = [panggil(2), panggil(3)];

    batches[0]?.jawab(['satu']);
    await pertama;
    await giliran();
    const putus = new Error('koneksi putus');
    batches[1]?.gagal(putus);
    const hasil = await Promise.allSettled(berikut);
    await giliran();
    const lagi = panggil(4);
    batches[2]?.jawab(['empat']);

    expect(hasil).toEqual([
      { status: 'rejected', reason: putus },
      { status: 'rejected', reason: putus },
    ]);
    expect(await lagi).toBe('empat');
  });

  it('fails a call the batch left unanswered instead of leaving it waiting', async () => {
    const panggil = createBatcher((_isi: readonly number[]) => Promise.resolve(['hanya satu']));
    const hasil = await Promise.allSettled([panggil(1), panggil(2), panggil(3)]);
    expect(hasil.map((h) => h.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
  });

  it('sends at most 500 calls in one batch', async () => {
    const { batches, kirim } = kirimTertahan();
    const panggil = createBatcher(kirim);
    const semua = Array.from({ length: 1_201 }, (_, i) => panggil(i));

    for (let i = 0; i < 4; i += 1) {
      const batch = batches[i];
      batch?.jawab(batch.isi.map(String));
      await giliran();
    }

    expect(batches.map((b) => b.isi.length)).toEqual([1, 500, 500, 200]);
    expect(await Promise.all(semua)).toEqual(Array.from({ length: 1_201 }, (_, i) => String(i)));
  });
});
