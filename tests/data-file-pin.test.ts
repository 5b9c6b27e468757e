// A PIN in the data file follows the file's rules: a hash that is not one of ours stops the load, and the remark
// names the account and the rule without quoting the hash.
import { DataFileInvalid, parseDataFile } from '../src/store/json-file';
import { createPinHasher } from '../src/domain/pin';

const nasabah = (pin: unknown) =>
  JSON.stringify({
    nasabah: {
      '1234567890': {
        nama: 'Budi',
        nik: '3201010101010001',
        no_hp: '081234567890',
        saldo: 0,
        mutasi: [],
        pin,
      },
    },
  });

describe('a PIN in the data file', () => {
  it('loads a well-formed hash, and the PIN it was made from checks against it', async () => {
    const hasher = createPinHasher({ log2Cost: 10 });
    const hash = await hasher.hash('975318');
    const parsed = parseDataFile(nasabah({ hash, gagal: 2 }));
    expect(parsed.nasabah.get('1234567890')?.pin).toEqual({ hash, gagal: 2 });
    expect(await hasher.verify('975318', hash)).toBe(true);
    expect(await hasher.verify('975319', hash)).toBe(false);
  });

  it.each([
    ['a PIN kept in clear', { hash: '975318', gagal: 0 }, 'pin.hash: hash PIN harus berbentuk'],
    [
      'a count past the bound',
      { hash: 'scrypt$14$8$1$' + 'a'.repeat(22) + '$' + 'b'.repeat(43), gagal: 4 },
      'pin.gagal',
    ],
    [
      'a lock that is not a time',
      { hash: 'scrypt$14$8$1$' + 'a'.repeat(22) + '$' + 'b'.repeat(43), gagal: 3, terkunci_sampai: 'besok' },
      'pin.terkunci_sampai',
    ],
  ])('refuses %s, naming the account and the field, never the value', (_case, pin, named) => {
    const parse = () => parseDataFile(nasabah(pin));
    expect(parse).toThrow(DataFileInvalid);
    expect(parse).toThrow(`rekening 1234567890, ${named}`);
    expect(parse).not.toThrow(/975318|besok/);
  });
});
