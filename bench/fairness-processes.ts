// The two processes of a fairness scenario: the built server pinned to core 0, and the attacker's load pinned to
// core 1, so that neither the load nor this process (the victim's) takes the server's core from it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { startProcess, type RunningServer } from '../tests/server-process';
import { LOAD_CORE, SERVER_CORE, pinToCore } from './cores';
import type { Tally } from './pipelined-client';

/** Fresh tokens every run; the server only ever sees their SHA-256. */
export const TOKENS = {
  attacker: randomBytes(32).toString('base64url'),
  victim: randomBytes(32).toString('base64url'),
  auditor: randomBytes(32).toString('base64url'),
} as const;
export type KeyName = keyof typeof TOKENS;

/**
 * Appended to each API_KEYS entry, after its hash: `:read` for the auditor today; per-key budgets (`:rate=N`,
 * `:daftar=N`) go here once the server reads them. Server-wide settings (REQUEST_RATE, DAFTAR_PER_HOUR) need no
 * edit: the server inherits this process's environment, so `REQUEST_RATE=50 npm run bench` reaches it.
 */
export const KEY_OPTIONS: Record<KeyName, string> = { attacker: '', victim: '', auditor: ':read' };

const apiKeysEnv = (): string =>
  (Object.keys(TOKENS) as KeyName[])
    .map((name) => `${name}:${createHash('sha256').update(TOKENS[name]).digest('hex')}${KEY_OPTIONS[name]}`)
    .join(',');

/**
 * The built server on `dataFile`, pinned to SERVER_CORE. It is pinned once it listens, through the tested
 * startProcess, rather than spawned under taskset: only its start-up ran unpinned, and nothing is measured then.
 */
export async function startPinnedServer(
  dataFile: string,
  env: Record<string, string> = {},
): Promise<RunningServer> {
  const server = await startProcess(
    ['dist/server.js'],
    // A short grace: the scenario's load is gone by the time the server is stopped.
    { API_KEYS: apiKeysEnv(), DATA_FILE: dataFile, SHUTDOWN_GRACE_MS: '2000', ...env },
    { timeoutMs: 30_000, keepsOutput: false },
  );
  pinToCore(server.child.pid, SERVER_CORE);
  return server;
}

export type AttackKind = 'pipelined-tabung' | 'streams' | 'wrong-token' | 'daftar' | 'slow-headers';

/** What the load process is told, as one JSON argument. */
export interface LoadPlan {
  kind: AttackKind;
  port: number;
  token: string;
  /** Seeded accounts to pick from, and the one with the long history. */
  accounts: number;
  longNoRekening: string;
  /** The load ends by itself after this long, even if never told to stop. */
  maxMs: number;
}

export interface LoadResult extends Tally {
  /** Slow headers: the most connections held open at once, sampled every second. */
  peakOpen?: number;
  /** Slow headers: how long a connection that got through stayed open before the server closed it. */
  medianHeldMs?: number | undefined;
  /** Streams: the bytes of history read, whole answers or not. */
  mbRead?: number;
}

export interface RunningLoad {
  /** Tells the load to stop (its stdin ends) and waits for its tally. */
  stop: () => Promise<LoadResult>;
}

const ROOT = path.join(__dirname, '..');
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;

const loads = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of loads) child.kill('SIGKILL');
});

/**
 * Starts bench/fairness-load.ts on LOAD_CORE and waits until its connections are under way. It shares that core
 * with the victim (this process), at the lowest priority: the attacker's own client-side work must not delay the
 * victim's requests before they reach the server, or the table would measure the load machine, not the server.
 */
export function startLoad(plan: LoadPlan): Promise<RunningLoad> {
  const child = spawn(
    'nice',
    [
      '-n',
      '19',
      'taskset',
      '--cpu-list',
      LOAD_CORE,
      process.execPath,
      '--import',
      'tsx',
      'bench/fairness-load.ts',
      JSON.stringify(plan),
    ],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  loads.add(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      loads.delete(child);
      resolve();
    }),
  );
  const stop = async (): Promise<LoadResult> => {
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    const last = output.trim().split('\n').at(-1) ?? '';
    if (!last.startsWith('{')) throw new Error(`the ${plan.kind} load ended without its tally:\n${output}`);
    return JSON.parse(last) as LoadResult;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the ${plan.kind} load did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    const waitForStart = () => {
      if (!output.startsWith('started\n')) return;
      clearTimeout(timer);
      child.stdout.off('data', waitForStart);
      resolve({ stop });
    };
    child.stdout.on('data', waitForStart);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the ${plan.kind} load exited before it started:\n${output}`));
    });
  });
}
