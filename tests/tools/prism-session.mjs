// A session through Prism's validating proxy (tests/tools/prism-session.sh starts both): every endpoint, and every
// documented error that a client can cause, in the server's mode. Prism reports what disagrees with the document
// in an `sl-violations` header; a violation of the *response* is the server's, and fails the session. (Requests
// that break the document on purpose, to be refused, are reported as request violations: expected, not counted.)
//
// With DATA_FILE set (the server's), it ends by breaking that file, for the 503s.
//
// node tests/tools/prism-session.mjs <proxy URL> open
// node tests/tools/prism-session.mjs <proxy URL> keys <token> <read-only token> <token without :reset-pin>
const [base, mode, token, readOnlyToken, tellerToken] = process.argv.slice(2);
if (base === undefined || (mode !== 'open' && mode !== 'keys')) {
  console.error('usage: prism-session.mjs <proxy URL> open | keys <token> <read-only token> <teller token>');
  process.exit(2);
}

const seen = [];
let failures = 0;

async function call(method, path, { body, raw, headers = {}, as = token } = {}) {
  const sent = { ...headers };
  if (mode === 'keys' && as !== undefined && as !== null) sent.Authorization = `Bearer ${as}`;
  if (body !== undefined || raw !== undefined) sent['Content-Type'] ??= 'application/json';
  const res = await fetch(`${base}${path}`, {
    method,
    headers: sent,
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  const violations = JSON.parse(res.headers.get('sl-violations') ?? '[]');
  const ofResponse = violations.filter((v) => v.location?.[0] === 'response');
  const line = `${method} ${path.replace(/[0-9]{10}/g, '{no_rekening}')} → ${res.status}`;
  seen.push(line);
  if (ofResponse.length > 0) {
    failures += 1;
    console.log(`✗ ${line}: ${JSON.stringify(ofResponse)}`);
  } else console.log(`✓ ${line} ${text.slice(0, 100)}`);
  return { status: res.status, json: text.startsWith('{') ? JSON.parse(text) : undefined };
}

const nasabah = (n, extra = {}) => ({
  nama: `Nasabah Prism ${n}`,
  nik: `32010101${String(Date.now() % 1e6).padStart(6, '0')}${String(n).padStart(2, '0')}`,
  no_hp: `0812${String(Date.now() % 1e6).padStart(6, '0')}${String(n).padStart(2, '0')}`,
  ...extra,
});
const expect = (actual, status) => {
  if (actual.status !== status) {
    failures += 1;
    console.log(`✗ expected ${status}, got ${actual.status}`);
  }
  return actual;
};

// Registration, with and without a PIN, and its refusals.
const first = nasabah(1);
const budi = expect(await call('POST', '/daftar', { body: first }), 200).json.no_rekening;
const sari = expect(await call('POST', '/daftar', { body: nasabah(2), headers: { 'X-PIN': '123456' } }), 200)
  .json.no_rekening;
expect(await call('POST', '/daftar', { body: { ...nasabah(3), nik: first.nik } }), 400);
expect(await call('POST', '/daftar', { body: { nama: '', nik: '1', no_hp: 'x' } }), 400);
expect(await call('POST', '/daftar', { body: { ...nasabah(4), nomimal: 1 } }), 400);
expect(await call('POST', '/daftar', { raw: '' }), 400);
expect(await call('POST', '/daftar', { raw: '{"nama":' }), 400);
expect(await call('POST', '/daftar', { raw: 'null' }), 400);
expect(await call('POST', '/daftar', { raw: JSON.stringify({ nama: 'x'.repeat(110_000) }) }), 413);
expect(await call('POST', '/daftar', { raw: 'nama=Budi', headers: { 'Content-Type': 'text/plain' } }), 415);

// Money in and out, with the PIN account's answers and refusals.
expect(await call('POST', '/tabung', { body: { no_rekening: budi, nominal: 100_000 } }), 200);
expect(await call('POST', '/tabung', { body: { no_rekening: sari, nominal: 50_000 } }), 200);
expect(await call('POST', '/tabung', { body: { no_rekening: '0000000000', nominal: 1 } }), 400);
expect(await call('POST', '/tabung?debug=1', { body: { no_rekening: budi, nominal: 1 } }), 400);
const key = { 'Idempotency-Key': `prism-${Date.now()}` };
expect(await call('POST', '/tabung', { body: { no_rekening: budi, nominal: 1 }, headers: key }), 200);
expect(await call('POST', '/tabung', { body: { no_rekening: budi, nominal: 1 }, headers: key }), 200);
expect(await call('POST', '/tabung', { body: { no_rekening: budi, nominal: 2 }, headers: key }), 409);
expect(await call('POST', '/tarik', { body: { no_rekening: budi, nominal: 30_000 } }), 200);
expect(await call('POST', '/tarik', { body: { no_rekening: budi, nominal: 10_000_000 } }), 400);
expect(await call('POST', '/tarik', { body: { no_rekening: sari, nominal: 1 } }), 403);
expect(
  await call('POST', '/tarik', { body: { no_rekening: sari, nominal: 1 }, headers: { 'X-PIN': '123456' } }),
  200,
);
expect(
  await call('POST', '/transfer', { body: { no_rekening_asal: budi, no_rekening_tujuan: sari, nominal: 1 } }),
  200,
);
expect(
  await call('POST', '/transfer', { body: { no_rekening_asal: budi, no_rekening_tujuan: budi, nominal: 1 } }),
  400,
);
expect(
  await call('POST', '/transfer', {
    body: { no_rekening_asal: budi, no_rekening_tujuan: '0000000000', nominal: 1 },
  }),
  400,
);

// Reads, paging and their refusals.
expect(await call('GET', `/saldo/${budi}`), 200);
expect(await call('GET', `/saldo/${sari}`, { headers: { 'X-PIN': '123456' } }), 200);
expect(await call('GET', '/saldo/12345'), 400);
expect(await call('GET', '/saldo/0000000000'), 400);
expect(await call('GET', `/saldo/${budi}?from=1`), 400);
expect(await call('GET', `/mutasi/${budi}`), 200);
const page = expect(await call('GET', `/mutasi/${budi}?limit=1`), 200).json;
expect(await call('GET', `/mutasi/${budi}?limit=1&sebelum=${page.sebelum}`), 200);
expect(await call('GET', `/mutasi/${budi}?dari=2026-01-01T00:00:00%2B07:00&sampai=2099-12-31`), 200);
expect(await call('GET', `/mutasi/${budi}?limit=0x10`), 400);
expect(
  await call('GET', `/mutasi/${sari}?limit=1&sebelum=${page.sebelum}`, { headers: { 'X-PIN': '123456' } }),
  400,
);

// PIN: change, refusals, lockout, reset.
expect(await call('POST', '/pin', { body: { no_rekening: budi }, headers: { 'X-PIN-Baru': '654321' } }), 409);
expect(await call('POST', '/pin', { body: { no_rekening: sari }, headers: { 'X-PIN': '123456' } }), 400);
expect(
  await call('POST', '/pin', {
    body: { no_rekening: sari },
    headers: { 'X-PIN': '123456', 'X-PIN-Baru': '654321' },
  }),
  200,
);
for (let wrong = 0; wrong < 3; wrong += 1) {
  expect(await call('GET', `/saldo/${sari}`, { headers: { 'X-PIN': '000000' } }), 403);
}
expect(await call('GET', `/saldo/${sari}`, { headers: { 'X-PIN': '654321' } }), 429);
expect(await call('GET', `/mutasi/${sari}`, { headers: { 'X-PIN': '654321' } }), 429);

if (mode === 'keys') {
  expect(await call('GET', `/saldo/${budi}`, { as: null }), 401);
  expect(await call('GET', `/saldo/${budi}`, { as: 'bukan-token' }), 401);
  expect(await call('POST', '/tabung', { body: { no_rekening: budi, nominal: 1 }, as: readOnlyToken }), 403);
  expect(await call('GET', `/saldo/${budi}`, { as: readOnlyToken }), 200);
  expect(
    await call('POST', '/pin/reset', {
      body: { no_rekening: sari },
      headers: { 'X-PIN-Baru': '111111' },
      as: tellerToken,
    }),
    403,
  );
}
expect(
  await call('POST', '/pin/reset', { body: { no_rekening: sari }, headers: { 'X-PIN-Baru': '12' } }),
  400,
);
expect(
  await call('POST', '/pin/reset', { body: { no_rekening: sari }, headers: { 'X-PIN-Baru': '111111' } }),
  200,
);
expect(await call('GET', `/saldo/${sari}`, { headers: { 'X-PIN': '111111' } }), 200);
expect(await call('GET', '/health'), 200);

if (mode === 'keys') {
  // The script runs this mode with DAFTAR_PER_HOUR=3: two registrations above, one here, and the next is a 429
  // (refused registrations do not count).
  expect(await call('POST', '/daftar', { body: nasabah(8) }), 200);
  expect(await call('POST', '/daftar', { body: nasabah(9) }), 429);
}

// Last, storage that cannot be used: the data file broken by hand (the store rereads it when it changes).
const dataFile = process.env.DATA_FILE;
if (dataFile !== undefined) {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(dataFile, '{ rusak');
  expect(await call('GET', '/health'), 503);
  expect(await call('GET', `/saldo/${budi}`), 503);
  expect(await call('POST', '/tabung', { body: { no_rekening: budi, nominal: 1 } }), 503);
}

console.log(`\n${seen.length} calls, ${new Set(seen).size} distinct; ${failures} failures`);
process.exit(failures === 0 ? 0 : 1);
