// The opaque `sebelum` cursor of a page of history, which names where the next (older) page ends. A cursor is
// the account and a position; positions only grow, so pages never shift.
import { InvalidRequest } from './errors';

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
