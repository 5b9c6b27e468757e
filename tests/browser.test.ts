// A person's view of /docs: real Chromium opens Swagger UI, tries POST /daftar, and sees a no_rekening come back.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { listen, makeTestApp } from './helpers';

const CHROMIUM = '/usr/bin/chromium';
// A test artifact (git-ignored); docs/swagger-ui.png, shown in the README, is a copy of one.
const SCREENSHOT = path.join(__dirname, '..', 'artifacts', 'swagger-ui.png');
// In CI Chromium is installed by .ci/run, so a missing browser is a failure there, never a skip.
const canRun = existsSync(CHROMIUM) || process.env.CI === 'true';

describe('Swagger UI at /docs in a real browser', () => {
  let browser: Browser;
  afterAll(async () => {
    await browser.close();
  });

  (canRun ? it : it.skip)(
    'tries POST /daftar with its example and shows a 200 with a no_rekening (skipped only outside CI without /usr/bin/chromium)',
    async () => {
      const { app } = await makeTestApp();
      const server = await listen(app);
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        await page.goto(`${server.baseUrl}/docs/`);

        const operasi = page.locator('.opblock-post').filter({ hasText: '/daftar' });
        await operasi.locator('.opblock-summary').click();
        await operasi.getByRole('button', { name: 'Try it out' }).click();
        await operasi.getByRole('button', { name: 'Execute' }).click();

        const status = operasi.locator('.live-responses-table tbody .response-col_status').first();
        await status.waitFor({ timeout: 15_000 });
        expect((await status.textContent())?.trim()).toBe('200');
        const jawaban = await operasi
          .locator('.live-responses-table .response-col_description pre')
          .first()
          .textContent();
        expect(JSON.parse(jawaban ?? '{}')).toEqual({
          no_rekening: expect.stringMatching(/^[0-9]{10}$/) as unknown,
        });

        await operasi.locator('.live-responses-table').scrollIntoViewIfNeeded();
        await page.screenshot({ path: SCREENSHOT });
      } finally {
        await server.close();
      }
    },
    60_000,
  );
});
