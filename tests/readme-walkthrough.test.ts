// The README's walk-through, run as a newcomer pastes it: every ```sh block of the section, in order, in one bash
// session against a fresh server, each block's output compared with the ```json block shown after it. Values
// that differ per run (account numbers, times, cursors) are compared by shape, every other value exactly, so
// the README cannot drift from what the server says.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDataFile } from './helpers';
import { startServer, stopProcess, type RunningServer } from './server-process';

const README = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

interface Step {
  commands: string;
  /** The lines the README shows for the block's output; undefined when it shows none. */
  shown?: string[];
}

/** The walk-through's blocks: each sh block, with the json block right after it, if any. */
function walkThrough(readme: string): Step[] {
  const start = readme.indexOf('\n## Walk-through\n');
  if (start === -1) throw new Error('README.md has no "## Walk-through" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const steps: Step[] = [];
  for (const [, language, body = ''] of section.matchAll(/^(?:```|~~~)(.*)\n([\s\S]*?)^(?:```|~~~)$/gm)) {
    if (language === 'sh') steps.push({ commands: body });
    else if (language === 'json' && steps.at(-1)?.shown === undefined) {
      const last = steps.at(-1);
      if (last === undefined) throw new Error('a json block before any sh block');
      last.shown = body.split('\n').filter((line) => line !== '');
    } else throw new Error(`unexpected block in the walk-through: ${language}`);
  }
  return steps;
}

/**
 * Every setting the server reads (.env.example lists them all), so that none a developer has exported (STORE,
 * DATABASE_URL, PIN_REQUIRED…) reaches the walk-through's server: an empty value is an unset one. PORT, HOST
 * and LOG_LEVEL are startServer's own.
 */
const SETTINGS = readFileSync(path.join(__dirname, '..', '.env.example'), 'utf8')
  .split('\n')
  .flatMap((line) => /^#?\s*([A-Z][A-Z0-9_]+)=/.exec(line)?.[1] ?? [])
  .filter((name) => !['PORT', 'HOST', 'LOG_LEVEL'].includes(name));

/** Fields whose values differ per run, and the shape each must have. */
const VARYING: Readonly<Record<string, RegExp>> = {
  no_rekening: /^[0-9]{10}$/,
  no_rekening_asal: /^[0-9]{10}$/,
  no_rekening_tujuan: /^[0-9]{10}$/,
  no_rekening_lawan: /^[0-9]{10}$/,
  waktu: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
  sebelum: /^[A-Za-z0-9_-]{1,64}$/,
};

/** A JSON value with each varying field replaced by its name when it has the right shape (kept, to show, if not). */
function byShape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(byShape);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => {
      const shape = VARYING[key];
      const fits = shape !== undefined && typeof field === 'string' && shape.test(field);
      return [key, fits ? `<${key}>` : byShape(field)];
    }),
  );
}

describe('README walk-through', () => {
  const steps = walkThrough(README);
  let server: RunningServer;
  let outputs: string[];

  beforeAll(async () => {
    for (const tool of ['curl', 'jq']) {
      const found = spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
      if (!found)
        throw new Error(`the README's walk-through needs ${tool}; install it (apt-get install ${tool})`);
    }
    // A fresh server in open mode, as `npm start` on a fresh clone: an empty data file, no API keys, and none of
    // the developer's settings (STORE, DATABASE_URL, PIN_REQUIRED…) beyond the defaults.
    server = await startServer({
      ...Object.fromEntries(SETTINGS.map((name) => [name, ''])),
      DATA_FILE: await tempDataFile(),
    });
    const marker = (i: number) => `printf '\\n@@step ${i}@@\\n'`;
    const script = steps
      .map(
        (step, i) =>
          `${marker(i)}\n${step.commands.replaceAll('localhost:3000', `127.0.0.1:${server.port}`)}`,
      )
      .join('\n');
    // Only `localhost:3000` is the README's server; any other spelling would reach whatever listens there.
    if (/:3000\b/.test(script))
      throw new Error('the walk-through names port 3000 other than as localhost:3000');
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8', timeout: 30_000 });
    if (run.status !== 0) throw new Error(`the walk-through failed (${String(run.status)}):\n${run.stderr}`);
    outputs = run.stdout.split(/\n@@step \d+@@\n/).slice(1);
  }, 60_000);

  afterAll(async () => {
    await stopProcess(server);
  });

  it('has the steps a newcomer needs', () => {
    expect(steps.length).toBeGreaterThanOrEqual(10);
    expect(steps.map((step) => step.commands).join('\n')).toEqual(
      expect.stringMatching(/daftar[\s\S]*tabung[\s\S]*tarik[\s\S]*transfer[\s\S]*saldo[\s\S]*mutasi/),
    );
    expect(outputs).toHaveLength(steps.length);
  });

  it('shows the answers compact, exactly as the server prints JSON', () => {
    for (const line of steps.flatMap((step) => step.shown ?? [])) {
      expect(line).toBe(JSON.stringify(JSON.parse(line)));
    }
  });

  it('answers every shown block with what the README shows', () => {
    const compared = steps.map(({ commands, shown }, i) => {
      const printed = (outputs[i] ?? '').split('\n').filter((line) => line !== '');
      const asShown = (lines: readonly string[]) => lines.map((line) => byShape(JSON.parse(line)));
      return {
        commands,
        printed: shown === undefined ? printed : asShown(printed),
        shown: shown && asShown(shown),
      };
    });
    for (const { commands, printed, shown } of compared) {
      // A block shown without an answer prints nothing: a forgotten answer is caught as well.
      expect({ commands, printed }).toEqual({ commands, printed: shown ?? [] });
    }
  });
});
