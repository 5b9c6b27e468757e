// Where a text stops being JSON, for the log of a hand-broken data file. JSON.parse says so only for some
// faults, and for others quotes the bytes around it (a nama, a nik), which must never reach a log.

class Fault extends Error {
  constructor(readonly offset: number) {
    super(`not JSON at offset ${offset}`);
  }
}

/** The offset of the first character at which `text` cannot be JSON; its length when the text ends too early. */
export function jsonFaultOffset(text: string): number {
  let at = 0;
  const skipSpace = () => {
    while (at < text.length && ' \t\n\r'.includes(text.charAt(at))) at += 1;
  };
  const expect = (literal: string) => {
    for (const char of literal) {
      if (text.charAt(at) !== char) throw new Fault(at);
      at += 1;
    }
  };
  const escape = () => {
    const char = text.charAt(at);
    if (char !== 'u') {
      if (!'"\\/bfnrt'.includes(char) || char === '') throw new Fault(at);
      at += 1;
      return;
    }
    at += 1;
    for (let digit = 0; digit < 4; digit += 1, at += 1)
      if (!/[0-9a-fA-F]/.test(text.charAt(at))) throw new Fault(at);
  };
  const string = () => {
    expect('"');
    for (;;) {
      if (at >= text.length) throw new Fault(at);
      const char = text.charAt(at);
      if (char === '"') break;
      if (char < ' ') throw new Fault(at);
      at += 1;
      if (char === '\\') escape();
    }
    at += 1;
  };
  const digits = () => {
    const start = at;
    while (text.charAt(at) >= '0' && text.charAt(at) <= '9') at += 1;
    if (at === start) throw new Fault(at);
  };
  // Step by step, as JSON.parse reads a number, so the two name the same offset.
  const number = () => {
    if (text.charAt(at) === '-') at += 1;
    if (text.charAt(at) === '0') at += 1;
    else digits();
    if (text.charAt(at) === '.') {
      at += 1;
      digits();
    }
    if (text.charAt(at) === 'e' || text.charAt(at) === 'E') {
      at += 1;
      if (text.charAt(at) === '+' || text.charAt(at) === '-') at += 1;
      digits();
    }
  };
  const list = (close: string, item: () => void) => {
    at += 1;
    skipSpace();
    if (text.charAt(at) === close) {
      at += 1;
      return;
    }
    for (;;) {
      item();
      skipSpace();
      if (text.charAt(at) === close) break;
      expect(',');
    }
    at += 1;
  };
  const value = (): void => {
    skipSpace();
    const char = text.charAt(at);
    if (char === '{') {
      list('}', () => {
        skipSpace();
        string();
        skipSpace();
        expect(':');
        value();
      });
    } else if (char === '[') list(']', value);
    else if (char === '"') string();
    else if (char === 't') expect('true');
    else if (char === 'f') expect('false');
    else if (char === 'n') expect('null');
    else number();
  };
  try {
    value();
    skipSpace();
    return at < text.length ? at : -1;
  } catch (error) {
    if (!(error instanceof Fault)) throw error;
    return Math.min(error.offset, text.length);
  }
}

/** `line 3, column 14` (both from 1) of an offset: what an editor shows, and nothing of the text itself. */
export function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}
