// Paging through a long history with limit and the opaque `sebelum` cursor, on the store TEST_STORE names.
import request from 'supertest';
import { daftarNasabah, makeAnyStoreApp, tabung, type AnyStoreApp } from '../helpers';

interface Page {
  mutasi: { waktu: string; kode_transaksi: string; nominal: number }[];
  sebelum?: string;
}

async function page(t: AnyStoreApp, noRekening: string, query: string): Promise<Page> {
  const res = await request(t.app).get(`/mutasi/${noRekening}?${query}`).expect(200);
  return res.body as Page;
}

/** Follows `sebelum` from the newest page to the oldest; returns the pages in the order they were read. */
async function allPages(t: AnyStoreApp, noRekening: string, query: string): Promise<Page[]> {
  const pages = [await page(t, noRekening, query)];
  for (let last = pages[0]; last?.sebelum !== undefined; last = pages.at(-1)) {
    pages.push(await page(t, noRekening, `${query}&sebelum=${last.sebelum}`));
    if (pages.length > 100) throw new Error('paging does not end');
  }
  return pages;
}

const nominals = (pages: Page[]) => pages.flatMap((p) => p.mutasi.map((m) => m.nominal));

describe('GET /mutasi with limit and sebelum', () => {
  describe('when every mutasi has the same waktu', () => {
    let t: AnyStoreApp;
    let noRekening: string;
    beforeAll(async () => {
      const waktu = new Date('2026-11-29T02:03:04.567Z');
      t = await makeAnyStoreApp({ clock: () => waktu });
      noRekening = await daftarNasabah(t.app);
      for (let nominal = 1; nominal <= 23; nominal += 1) await tabung(t.app, noRekening, nominal);
    });

    it('covers the whole history exactly once, newest page first, each page oldest first', async () => {
      const pages = await allPages(t, noRekening, 'limit=5');
      expect(pages.map((p) => p.mutasi.length)).toEqual([5, 5, 5, 5, 3]);
      expect(nominals(pages.reverse())).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
    });

    it('gives the last page no sebelum, and a page without limit or sebelum no sebelum at all', async () => {
      const pages = await allPages(t, noRekening, 'limit=23');
      expect(pages).toHaveLength(1);
      expect(pages[0]).not.toHaveProperty('sebelum');
      expect(await page(t, noRekening, '')).not.toHaveProperty('sebelum');
    });
  });

  it('when mutasi are added between two page requests, then older pages do not shift', async () => {
    const t = await makeAnyStoreApp();
    const noRekening = await daftarNasabah(t.app);
    for (let nominal = 1; nominal <= 10; nominal += 1) await tabung(t.app, noRekening, nominal);
    const newest = await page(t, noRekening, 'limit=4');
    expect(nominals([newest])).toEqual([7, 8, 9, 10]);
    for (let nominal = 11; nominal <= 15; nominal += 1) await tabung(t.app, noRekening, nominal);

    const older = await page(t, noRekening, `limit=4&sebelum=${newest.sebelum ?? ''}`);
    expect(nominals([older])).toEqual([3, 4, 5, 6]);
    expect(nominals([await page(t, noRekening, 'limit=4')])).toEqual([12, 13, 14, 15]);
  });

  it('combines sebelum with dari and sampai: pages of the range only', async () => {
    let now = Date.parse('2026-11-01T00:00:00.000Z');
    const t = await makeAnyStoreApp({ clock: () => new Date(now) });
    const noRekening = await daftarNasabah(t.app);
    // One mutasi a day, 1 to 30 November.
    for (let day = 1; day <= 30; day += 1) {
      now = Date.parse(`2026-11-${String(day).padStart(2, '0')}T12:00:00.000Z`);
      await tabung(t.app, noRekening, day);
    }
    const pages = await allPages(t, noRekening, 'limit=4&dari=2026-11-05&sampai=2026-11-15');
    expect(nominals(pages.reverse())).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  });

  it.each([
    ['malformed', 'bukan-kursor'],
    ['non-base64url', 'a%2Fb'],
    ['made up', Buffer.from('1234567890.5').toString('base64url')],
  ])('answers 400 with a remark for a %s cursor', async (_case, cursor) => {
    const t = await makeAnyStoreApp();
    const noRekening = await daftarNasabah(t.app);
    const res = await request(t.app).get(`/mutasi/${noRekening}?limit=2&sebelum=${cursor}`);
    expect(res.status).toBe(400);
    expect((res.body as { remark: string }).remark).toMatch(/sebelum/);
  });

  it("answers 400 for another account's cursor", async () => {
    const t = await makeAnyStoreApp();
    const a = await daftarNasabah(t.app);
    const b = await daftarNasabah(t.app);
    for (let nominal = 1; nominal <= 3; nominal += 1) await tabung(t.app, a, nominal);
    const { sebelum } = await page(t, a, 'limit=1');
    expect(sebelum).toBeDefined();
    const res = await request(t.app).get(`/mutasi/${b}?limit=1&sebelum=${sebelum ?? ''}`);
    expect(res.status).toBe(400);
    expect((res.body as { remark: string }).remark).toContain('sebelum bukan kursor');
  });
});
