// The contract for the audit trail: every mutasi carries the client and the request id that made it, even when
// a store decides many clients' changes in one batch.
import { createTabungan, type Caller } from '../../src/domain/tabungan';
import { dataNasabah } from '../helpers';
import { uniqueKey, type Contract } from './fixture';

export function describeAudit(contract: Contract): void {
  describe('who made each mutasi', () => {
    /** The use cases called with request ids the test chooses, so it knows which request made each mutasi. */
    function tabunganAs(client: string) {
      const tabungan = createTabungan({ store: contract.store, clock: contract.time.clock });
      const caller = (requestId: string, idempotencyKey?: string): Caller => ({
        client,
        requestId,
        idempotencyKey,
      });
      return { tabungan, caller };
    }

    it('when a client moves money, then every mutasi records the client and the request id that made it', async () => {
      const { bank, time } = contract;
      const { tabungan, caller } = tabunganAs('kasir');
      const { no_rekening: asal } = await tabungan.daftar(dataNasabah(), caller('daftar-asal'));
      const { no_rekening: tujuan } = await tabungan.daftar(dataNasabah(), caller('daftar-tujuan'));
      const waktu = time.waktu;

      await tabungan.tabung({ no_rekening: asal, nominal: 5_000 }, caller('tabung-1'));
      await tabungan.tarik({ no_rekening: asal, nominal: 1_000 }, caller('tarik-1'));
      const transfer = { no_rekening_asal: asal, no_rekening_tujuan: tujuan, nominal: 1_500 };
      await tabungan.transfer(transfer, caller('transfer-1'));

      const audit = { waktu, client: 'kasir' };
      expect(await bank.mutasi(asal)).toEqual([
        { ...audit, kode_transaksi: 'C', nominal: 5_000, request_id: 'tabung-1' },
        { ...audit, kode_transaksi: 'D', nominal: 1_000, request_id: 'tarik-1' },
        {
          ...audit,
          kode_transaksi: 'D',
          nominal: 1_500,
          no_rekening_lawan: tujuan,
          request_id: 'transfer-1',
        },
      ]);
      expect(await bank.mutasi(tujuan)).toEqual([
        { ...audit, kode_transaksi: 'C', nominal: 1_500, no_rekening_lawan: asal, request_id: 'transfer-1' },
      ]);
    });

    it('when a keyed request is retried, then nothing is recorded again: the mutasi keeps the first request’s id', async () => {
      const { bank } = contract;
      const { tabungan, caller } = tabunganAs('kasir');
      const noRekening = await contract.rekeningWithSaldo();
      const key = uniqueKey('tabung');

      await tabungan.tabung({ no_rekening: noRekening, nominal: 700 }, caller('pertama', key));
      await tabungan.tabung({ no_rekening: noRekening, nominal: 700 }, caller('ulangan', key));

      expect(await bank.mutasi(noRekening)).toEqual([expect.objectContaining({ request_id: 'pertama' })]);
    });

    it('when two clients move money on one account at once, then their moves in one batch are told apart', async () => {
      const { bank, store } = contract;
      const clients = {
        kasir: contract.bankOn(store, { client: 'kasir' }),
        teller: contract.bankOn(store, { client: 'teller' }),
      };
      const noRekening = await contract.rekeningWithSaldo();
      // Each request a nominal of its own, so that its mutasi shows which request it was, and so who sent it.
      const sent = Array.from({ length: 200 }, (_, i) => ({
        client: i % 2 === 0 ? ('kasir' as const) : ('teller' as const),
        nominal: i + 1,
      }));

      // All at once, so that both clients' changes share the stores' batches.
      await Promise.all(sent.map(({ client, nominal }) => clients[client].tabung(noRekening, nominal)));

      const history = (await bank.mutasi(noRekening)) ?? [];
      const recorded = history
        .map(({ nominal, client }) => ({ client, nominal }))
        .sort((x, y) => x.nominal - y.nominal);
      expect(recorded).toEqual(sent);
      const requestIds = history.map((mutasi) => mutasi.request_id);
      expect(requestIds.every((requestId) => typeof requestId === 'string')).toBe(true);
      expect(new Set(requestIds).size).toBe(sent.length);
    });
  });
}
