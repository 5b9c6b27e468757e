// Pages of a long history: which mutasi a page holds, and the opaque `sebelum` cursor that names where the next
// (older) page ends. A cursor is the account and a position; positions only grow, so pages never shift.
import { InvalidRequest } from './errors';
import type { Mutasi } from './schemas';
import type { MutasiPage, MutasiPageResult } from './store';

/** Whether a mutasi's waktu lies within [dari, sampai] (epoch ms, either end open). */
export function dalamRentang(waktu: string, { dari, sampai }: Pick<MutasiPage, 'dari' | 'sampai'>): boolean {
  if (dari === undefined && sampai === undefined) return true;
  const saat = Date.parse(waktu);
  return (dari === undefined || saat >= dari) && (sampai === undefined || saat <= sampai);
}

/**
 * A page of a history held in memory, oldest first; a mutasi's position is its index. It walks back from the
 * page's end and touches only its own entries (and, with dari/sampai, those it skips), never the whole history.
 */
export function pageOfHistory(history: readonly Mutasi[], page: MutasiPage): MutasiPageResult {
  const entries: MutasiPageResult['entries'] = [];
  let position = Math.min(page.before ?? history.length, history.length) - 1;
  for (; position >= 0 && entries.length < page.limit; position -= 1) {
    const mutasi = history[position];
    if (mutasi !== undefined && dalamRentang(mutasi.waktu, page)) entries.push({ position, mutasi });
  }
  let hasOlder = false;
  for (; position >= 0 && !hasOlder; position -= 1) {
    const mutasi = history[position];
    hasOlder = mutasi !== undefined && dalamRentang(mutasi.waktu, page);
  }
  return { entries: entries.reverse(), hasOlder };
}

export function encodeCursor(noRekening: string, position: number): string {
  return Buffer.from(`${noRekening}.${position}`).toString('base64url');
}

/** The position a cursor names, for this account only: another account's cursor, or a made-up one, is a 400. */
export function decodeCursor(noRekening: string, cursor: string): number {
  const match = /^([0-9]{10})\.([0-9]{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (match === null || match[1] !== noRekening) {
    throw new InvalidRequest('sebelum bukan kursor dari GET /mutasi rekening ini; mulai lagi tanpa sebelum');
  }
  return Number(match[2]);
}
