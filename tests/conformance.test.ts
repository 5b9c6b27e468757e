// The conformance check itself: it must see a disagreement when there is one, or it proves nothing.
import express from 'express';
import request from 'supertest';
import { checkAnswers, disagreements } from './conformance';

const OPEN = { access: { mode: 'open', anyHost: false }, budgeted: false } as const;

/** An app that answers `/saldo/{no_rekening}` however the test says, checked as the real one is. */
function answering(status: number, body: unknown, headers: Record<string, string> = {}) {
  const app = express();
  app.get('/saldo/:noRekening', (_req, res) => {
    res.status(status).set(headers).json(body);
  });
  app.post('/tabung', (_req, res) => {
    res.status(status).set(headers).json(body);
  });
  return checkAnswers(app, OPEN);
}

afterEach(() => {
  disagreements.splice(0);
});

describe('the conformance check', () => {
  it('passes an answer the document describes', async () => {
    await request(answering(200, { saldo: 70000 })).get('/saldo/1234567890');
    await request(answering(400, { remark: 'no_rekening 1234567890 tidak dikenali' })).get(
      '/saldo/1234567890',
    );
    expect(disagreements).toEqual([]);
  });

  it.each([
    ['a negative saldo', 200, { saldo: -1 }, {}, /must be >= 0/],
    ['a saldo in a string', 200, { saldo: '70000' }, {}, /must be integer/],
    ['a saldo past 2^53', 200, { saldo: 2 ** 53 }, {}, /must be <= 9007199254740991/],
    ['a status the operation never answers', 404, { remark: 'x' }, {}, /status not documented/],
    ['an error without its remark', 400, { error: 'x' }, {}, /must have required property 'remark'/],
    [
      'a Retry-After the document does not state',
      400,
      { remark: 'x' },
      { 'Retry-After': '1' },
      /retry-after/,
    ],
  ])('reports %s', async (_case, status, body, headers, message) => {
    await request(answering(status, body, headers)).get('/saldo/1234567890');
    expect(disagreements).toEqual([expect.stringMatching(message)]);
  });

  it('reports a required header that is missing: WWW-Authenticate on a 401 with API keys', async () => {
    const app = express();
    app.post('/tabung', (_req, res) => {
      res.status(401).json({ remark: 'wajib mengirim Authorization: Bearer <token>' });
    });
    checkAnswers(app, { access: { mode: 'apiKeys', apiKeys: [] }, budgeted: false });
    await request(app).post('/tabung').send({});
    expect(disagreements).toEqual([expect.stringMatching(/requires www-authenticate/i)]);
  });
});
