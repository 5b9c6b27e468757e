// The view a batch's decisions run on, for both stores: each decision sees what the decisions before it
// recorded, keeps what it records only if it returns, and may read only what its change named.
import { createBatchView, type CommittedState } from '../src/store/batch-view';
import type { Names } from '../src/domain/store';

const committed: CommittedState = {
  saldo: (noRekening) => (noRekening === '1111111111' ? 500 : undefined),
  isNikTaken: () => false,
  isNoHpTaken: () => false,
  record: () => undefined,
  keyCount: () => 0,
  pin: () => undefined,
  debitSejak: () => 0,
};
const now = new Date('2026-12-02T00:00:00.000Z');
const naming = (...rekening: string[]): Names => ({ rekening, now });
const mutasi = { waktu: now.toISOString(), kode_transaksi: 'C' as const, nominal: 100 };

describe('the batch view', () => {
  it('when a decision returns, then the next one sees what it recorded', () => {
    const view = createBatchView(committed, now);
    view.decide(naming('1111111111'), (v) => v.catat('1111111111', mutasi, 600));
    const seen = view.decide(naming('1111111111'), (v) => v.saldo('1111111111'));
    expect(seen).toEqual({ value: 600 });
    expect(view.changes.catat).toHaveLength(1);
  });

  it('when a decision throws after recording, then nothing it recorded is kept', () => {
    const view = createBatchView(committed, now);
    const result = view.decide(naming('1111111111'), (v) => {
      v.catat('1111111111', mutasi, 600);
      throw new Error('changed its mind');
    });
    expect(result).toEqual({ error: new Error('changed its mind') });
    expect(view.hasChanges).toBe(false);
    expect(view.decide(naming('1111111111'), (v) => v.saldo('1111111111'))).toEqual({ value: 500 });
  });

  it('when a decision reads an account its change did not name, then that change fails, on every store alike', () => {
    const view = createBatchView(committed, now);
    const result = view.decide(naming('2222222222'), (v) => v.saldo('1111111111'));
    expect(result).toEqual({ error: new Error('a decision read an account its change did not name') });
  });
});
