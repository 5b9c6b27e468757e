// The daily limit on money going out of one account (tarik, and transfer as asal): per calendar day in the
// bank's time zone, counted from the account's own D mutasi, so nothing else needs keeping in step.
import { BatasHarianTerlampaui } from './errors';
import type { View } from './store';

export interface DailyLimit {
  /** Rupiah that may leave one account in one day. */
  nominal: number;
  /** An IANA zone (Asia/Jakarta): where a day starts and ends. */
  timeZone: string;
}

export const DEFAULT_TIME_ZONE = 'Asia/Jakarta';

/**
 * The instant the day holding `now` began in `timeZone`: its wall-clock date at 00:00, less the zone's offset at
 * `now`. (In a zone whose offset changes during that day, as with daylight saving, the start may be off by the
 * change; Indonesia's zones have none.)
 */
export function startOfDay(now: Date, timeZone: string): Date {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(now);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const wallClockAsUtc = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  const offset = wallClockAsUtc - Math.floor(now.getTime() / 1000) * 1000;
  return new Date(Date.UTC(part('year'), part('month') - 1, part('day')) - offset);
}

/** Refuses a debit of `nominal` that would take the day's money going out of the account past the limit. */
export function checkDailyLimit(
  view: View,
  noRekening: string,
  nominal: number,
  { limit, sejak }: { limit: DailyLimit; sejak: Date },
): void {
  const sisa = Math.max(0, limit.nominal - view.debitSejak(noRekening, sejak.getTime()));
  if (nominal > sisa) throw new BatasHarianTerlampaui(limit.nominal, sisa, limit.timeZone);
}
