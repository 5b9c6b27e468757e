// Pages and ranges of a history held in memory: the JSON store's way to answer what PostgreSQL answers in SQL.
import type { MutasiTercatat } from '../../domain/schemas';
import type { HistoryPage, HistoryPageResult, Rentang } from '../../domain/store';

/** Whether a mutasi's waktu lies within [dari, sampai] (epoch ms, either end open). */
function isWithin(waktu: string, { dari, sampai }: Rentang): boolean {
  if (dari === undefined && sampai === undefined) return true;
  const time = Date.parse(waktu);
  return (dari === undefined || time >= dari) && (sampai === undefined || time <= sampai);
}

/**
 * A page of a history held in memory, from its mutasi newest first, starting below the page's `before`: it reads
 * only the page's own entries (and, with dari/sampai, those it skips), plus one to know whether older ones remain.
 */
export function historyPageOf(
  newestFirst: Iterable<{ position: number; mutasi: MutasiTercatat }>,
  page: HistoryPage,
): HistoryPageResult {
  const entries: HistoryPageResult['entries'] = [];
  for (const entry of newestFirst) {
    if (!isWithin(entry.mutasi.waktu, page)) continue;
    if (entries.length === page.limit) return { entries: entries.reverse(), hasOlder: true };
    entries.push(entry);
  }
  return { entries: entries.reverse(), hasOlder: false };
}

/**
 * A history's batches with only the mutasi within the rentang. A batch left empty is still handed on: whoever
 * sends the answer yields to other requests between batches, which a long run of skipped ones must not bypass.
 */
export function* filterBatches(
  batches: Iterable<readonly MutasiTercatat[]>,
  rentang: Rentang,
): Generator<readonly MutasiTercatat[]> {
  const everything = rentang.dari === undefined && rentang.sampai === undefined;
  for (const batch of batches) {
    yield everything ? batch : batch.filter((mutasi) => isWithin(mutasi.waktu, rentang));
  }
}
