import request from 'supertest';
import { dataNasabah, makeAnyStoreApp, type AnyStoreApp } from '../helpers';

describe('POST /daftar', () => {
  let t: AnyStoreApp;
  beforeEach(async () => {
    t = await makeAnyStoreApp();
  });

  describe('when the data is valid', () => {
    it('answers 200 with a 10-digit no_rekening for an account with saldo 0 and no mutasi', async () => {
      const data = dataNasabah({ nama: '  Budi Santoso  ', no_hp: '+6281234567890' });

      const res = await request(t.app).post('/daftar').send(data).expect(200).expect('Content-Type', /json/);

      expect(res.body).toEqual({ no_rekening: expect.stringMatching(/^[0-9]{10}$/) as unknown });
      const { no_rekening } = res.body as { no_rekening: string };
      expect((await request(t.app).get(`/saldo/${no_rekening}`)).body).toEqual({ saldo: 0 });
      expect((await request(t.app).get(`/mutasi/${no_rekening}`)).body).toEqual({ mutasi: [] });
    });

    it('gives every nasabah a different no_rekening', async () => {
      const nomor = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const res = await request(t.app).post('/daftar').send(dataNasabah()).expect(200);
          return (res.body as { no_rekening: string }).no_rekening;
        }),
      );
      expect(new Set(nomor).size).toBe(20);
    });
  });

  describe('when the nik or no_hp is already registered', () => {
    it('answers 400 for a second nasabah with the same nik, and stores nothing', async () => {
      const pertama = dataNasabah();
      await request(t.app).post('/daftar').send(pertama).expect(200);
      const kedua = dataNasabah({ nik: pertama.nik });

      const res = await request(t.app).post('/daftar').send(kedua).expect(400);

      expect(res.body).toEqual({ remark: 'nik sudah terdaftar pada nasabah lain' });
      // Nothing of the refused one was kept: its no_hp is still free.
      await request(t.app)
        .post('/daftar')
        .send(dataNasabah({ no_hp: kedua.no_hp }))
        .expect(200);
    });

    it.each([
      ['+6281234567891', '081234567891'],
      ['6281234567891', '081234567891'],
      ['081234567891', '+6281234567891'],
    ])('answers 400 when no_hp %s was registered as %s', async (dulu, sekarang) => {
      await request(t.app)
        .post('/daftar')
        .send(dataNasabah({ no_hp: dulu }))
        .expect(200);

      const res = await request(t.app)
        .post('/daftar')
        .send(dataNasabah({ no_hp: sekarang }))
        .expect(400);

      expect(res.body).toEqual({ remark: 'no_hp sudah terdaftar pada nasabah lain' });
    });

    it('registers one nik exactly once when it is sent many times at once', async () => {
      const nik = dataNasabah().nik;
      const statuses = await Promise.all(
        Array.from(
          { length: 30 },
          async () => (await request(t.app).post('/daftar').send(dataNasabah({ nik }))).status,
        ),
      );
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 400)).toHaveLength(29);
    });
  });

  describe('field rules', () => {
    it.each([
      ['nama of 1 character', { nama: 'A' }],
      ['nama of 100 characters', { nama: 'A'.repeat(100) }],
      ['nama of 100 characters plus spaces around it', { nama: `  ${'A'.repeat(100)}  ` }],
      // Characters as JSON Schema counts them (the OpenAPI document's pattern), not UTF-16 units.
      ['nama of 100 characters beyond the BMP', { nama: '😀'.repeat(100) }],
      ['no_hp 08 + 8 digits', { no_hp: '0812345678' }],
      ['no_hp 08 + 11 digits', { no_hp: '0812345678901' }],
      ['no_hp +628 + 8 digits', { no_hp: '+62812345679' }],
      ['no_hp 628 + 11 digits', { no_hp: '62812345678901' }],
    ])('accepts %s', async (_case, field) => {
      await request(t.app).post('/daftar').send(dataNasabah(field)).expect(200);
    });

    it.each([
      ['nama missing', { nama: undefined }, 'nama wajib diisi'],
      ['nama empty', { nama: '' }, 'nama harus berupa teks 1 sampai 100 karakter'],
      ['nama only spaces', { nama: '   ' }, 'nama harus berupa teks 1 sampai 100 karakter'],
      ['nama of 101 characters', { nama: 'A'.repeat(101) }, 'nama harus berupa teks 1 sampai 100 karakter'],
      [
        'nama of 101 characters beyond the BMP',
        { nama: '😀'.repeat(101) },
        'nama harus berupa teks 1 sampai 100 karakter',
      ],
      ['nama a number', { nama: 42 }, 'nama harus berupa teks 1 sampai 100 karakter'],
      ['nik missing', { nik: undefined }, 'nik wajib diisi'],
      ['nik of 15 digits', { nik: '320101010101000' }, 'nik harus berupa teks 16 digit angka'],
      ['nik of 17 digits', { nik: '32010101010100011' }, 'nik harus berupa teks 16 digit angka'],
      ['nik as a JSON number', { nik: 3201010101010001 }, 'nik harus berupa teks 16 digit angka'],
      ['nik with a letter', { nik: '320101010101000A' }, 'nik harus berupa teks 16 digit angka'],
      ['nik with non-ASCII digits', { nik: '٣٢٠١٠١٠١٠١٠١٠٠٠١' }, 'nik harus berupa teks 16 digit angka'],
      ['no_hp missing', { no_hp: undefined }, 'no_hp wajib diisi'],
      ['no_hp 08 + 7 digits', { no_hp: '081234567' }, expect.stringMatching(/^no_hp harus/) as unknown],
      ['no_hp 08 + 12 digits', { no_hp: '08123456789012' }, expect.stringMatching(/^no_hp harus/) as unknown],
      ['no_hp not starting 08', { no_hp: '0712345678' }, expect.stringMatching(/^no_hp harus/) as unknown],
      [
        'no_hp +62 without the 8',
        { no_hp: '+62212345678' },
        expect.stringMatching(/^no_hp harus/) as unknown,
      ],
      ['no_hp as a JSON number', { no_hp: 81234567890 }, expect.stringMatching(/^no_hp harus/) as unknown],
    ])('answers 400 for %s', async (_case, field, remark) => {
      const res = await request(t.app).post('/daftar').send(dataNasabah(field)).expect(400);
      expect(res.body).toEqual({ remark });
    });
  });
});
