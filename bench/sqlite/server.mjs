// The bench's anchors: the same three routes as the real server, on SQLite (better-sqlite3, WAL), one
// transaction per move. `durable` commits with synchronous=FULL (every 200 is fsynced, as ours), `fast` with
// synchronous=NORMAL (a power cut may lose the last commits): what a careful and a careless peer would ship.
// Usage: node --import tsx bench/sqlite/server.mjs durable|fast <accounts> <db file>  → prints {"port": N} once
// listening. Express and express.json() as the Express ceilings have them, on the request and answer classes the
// real server gives node:http (src/http/connections.ts, which tsx loads): only the store differs. Without them
// the durable anchor's POST /tabung read 1,559-1,643 req/s at 1,000 accounts, with them 2,031-2,265.
import http from 'node:http';
import Database from 'better-sqlite3';
import express from 'express';
import { messageClassesOf } from '../../src/http/connections.ts';

const [mode = 'durable', accountsText = '1000', file = ':memory:'] = process.argv.slice(2);
const accounts = Number(accountsText);
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${mode === 'durable' ? 'FULL' : 'NORMAL'}`);
db.exec(`
  CREATE TABLE IF NOT EXISTS nasabah (no_rekening TEXT PRIMARY KEY, saldo INTEGER NOT NULL CHECK (saldo >= 0));
  CREATE TABLE IF NOT EXISTS mutasi (
    id INTEGER PRIMARY KEY, no_rekening TEXT NOT NULL, waktu TEXT NOT NULL, kode_transaksi TEXT NOT NULL,
    nominal INTEGER NOT NULL, no_rekening_lawan TEXT
  );
  CREATE INDEX IF NOT EXISTS mutasi_rekening ON mutasi (no_rekening, id);
`);
// The bench's seeded numbers (bench/seed.ts): the index, zero-padded to 10 digits.
const insert = db.prepare('INSERT OR IGNORE INTO nasabah VALUES (?, 1000000)');
db.transaction(() => {
  for (let index = 0; index < accounts; index += 1) insert.run(String(index).padStart(10, '0'));
})();

const saldoOf = db.prepare('SELECT saldo FROM nasabah WHERE no_rekening = ?').pluck();
const addSaldo = db.prepare('UPDATE nasabah SET saldo = saldo + ? WHERE no_rekening = ?');
const catat = db.prepare(
  'INSERT INTO mutasi (no_rekening, waktu, kode_transaksi, nominal, no_rekening_lawan) VALUES (?, ?, ?, ?, ?)',
);
const isNominal = (n) => Number.isSafeInteger(n) && n > 0;

const tabung = db.transaction((noRekening, nominal) => {
  if (saldoOf.get(noRekening) === undefined) return undefined;
  addSaldo.run(nominal, noRekening);
  catat.run(noRekening, new Date().toISOString(), 'C', nominal, null);
  return saldoOf.get(noRekening);
});
const transfer = db.transaction((asal, tujuan, nominal) => {
  const saldoAsal = saldoOf.get(asal);
  if (saldoAsal === undefined || saldoOf.get(tujuan) === undefined || saldoAsal < nominal) return undefined;
  const waktu = new Date().toISOString();
  addSaldo.run(-nominal, asal);
  addSaldo.run(nominal, tujuan);
  catat.run(asal, waktu, 'D', nominal, tujuan);
  catat.run(tujuan, waktu, 'C', nominal, asal);
  return saldoAsal - nominal;
});

const app = express();
app.use(express.json());
app.get('/saldo/:no_rekening', (req, res) => {
  const saldo = saldoOf.get(req.params.no_rekening);
  if (saldo === undefined) res.status(400).json({ remark: 'no_rekening tidak dikenali' });
  else res.json({ saldo });
});
app.post('/tabung', (req, res) => {
  const { no_rekening, nominal } = req.body ?? {};
  const saldo = isNominal(nominal) ? tabung(String(no_rekening), nominal) : undefined;
  if (saldo === undefined) res.status(400).json({ remark: 'ditolak' });
  else res.json({ saldo });
});
app.post('/transfer', (req, res) => {
  const { no_rekening_asal, no_rekening_tujuan, nominal } = req.body ?? {};
  const saldo = isNominal(nominal)
    ? transfer(String(no_rekening_asal), String(no_rekening_tujuan), nominal)
    : undefined;
  if (saldo === undefined) res.status(400).json({ remark: 'ditolak' });
  else res.json({ saldo });
});

const server = http.createServer(messageClassesOf(app), app).listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
process.on('SIGTERM', () =>
  server.close(() => {
    db.close();
    process.exit(0);
  }),
);
