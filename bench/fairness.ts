// The fairness rows (issue 18, "Fair shares"): does one greedy or broken client take the server from another? Each
// scenario starts a fresh server (pinned to core 0) on a copy of one seeded file, runs an attacker (a process
// pinned to core 1) and, after a warm-up, the victim (bench/fairness-victim.ts) while the attacker keeps going.
// The target: the victim gets no refusal and its median stays within 2× of its median alone, in every scenario.
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stopProcess } from '../tests/server-process';
import { LOAD_CORE, SERVER_CORE, pinToCore } from './cores';
import {
  TOKENS,
  startLoad,
  startPinnedServer,
  type AttackKind,
  type KeyName,
  type LoadResult,
  type RunningLoad,
} from './fairness-processes';
import { runVictim, summarise, VICTIM_MS, type VictimSample, type VictimStats } from './fairness-victim';
import { sleep } from './http-timing';
import { seedAccounts, seededNoRekening } from './seed';

/** The data: small accounts, and one more (at index FAIRNESS_ACCOUNTS) whose whole history the streams read. */
export const FAIRNESS_ACCOUNTS = 1_000;
export const FAIRNESS_HISTORY = 100_000;

/** The attacker (and the victim, unmeasured) run this long before the victim's measured window. */
const WARM_UP_MS = 1_000;
/** The fault scenario: the file is broken this far into the victim's window, and mended this long after. */
const FAULT_AT_MS = 1_500;
const FAULT_MS = 2_000;
const BROKEN_DATA_FILE = '{"format": "rusak karena disunting tangan", "nasabah": [';

interface Scenario {
  name: string;
  attack?: { kind: AttackKind; key: KeyName | 'wrong' };
  /** The victim opens a new connection per request, so refused connections show. */
  newConnections?: boolean;
  fault?: boolean;
  /**
   * The file also holds the account with the long history, for the streams to read. Only that scenario and its
   * own baseline carry it: every batch rewrites the whole file, so 7 MB more would make every write measure the
   * disk instead of the fairness (the victim's POST alone: 16 ms instead of 2).
   */
  longHistory?: boolean;
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'alone' },
  {
    name: 'pipelined POST /tabung (64 connections × 16)',
    attack: { kind: 'pipelined-tabung', key: 'attacker' },
  },
  { name: 'alone, with the long history in the file', longHistory: true },
  {
    name: '32 whole-history streams (read-only key)',
    attack: { kind: 'streams', key: 'auditor' },
    longHistory: true,
  },
  { name: 'wrong-token GET /saldo flood (64 × 16)', attack: { kind: 'wrong-token', key: 'wrong' } },
  { name: 'POST /daftar flood (16 connections)', attack: { kind: 'daftar', key: 'attacker' } },
  {
    name: 'slow headers from 4 addresses (≤ 1,200 connections)',
    attack: { kind: 'slow-headers', key: 'attacker' },
    newConnections: true,
  },
  { name: `data file broken for ${FAULT_MS / 1_000} s, then mended`, fault: true },
];

export interface FairnessRow {
  scenario: string;
  /** Which file it ran on; its ratio is to the baseline on the same file. */
  longHistory: boolean;
  kind?: AttackKind;
  /** For the fault scenario, only the requests sent after the file was mended. */
  victim: VictimStats;
  attacker?: LoadResult;
  /** The fault scenario: the victim's answers while the file was broken, and from the mend to its first 2xx. */
  fault?: { brokenRefusals: Record<string, number>; firstServedMs: number };
}

/** Breaks the data file by hand, then writes its bytes back, between two of the victim's requests. */
function breakAndMend(dataFile: string) {
  const state: { origin?: number; original?: Buffer; brokenAt?: number; mendedAt?: number } = {};
  const between = async () => {
    const now = performance.now();
    state.origin ??= now;
    if (state.original === undefined && now - state.origin >= FAULT_AT_MS) {
      state.original = await readFile(dataFile);
      await writeFile(dataFile, BROKEN_DATA_FILE);
      state.brokenAt = performance.now();
    } else if (
      state.brokenAt !== undefined &&
      state.mendedAt === undefined &&
      now - state.brokenAt >= FAULT_MS
    ) {
      await writeFile(dataFile, state.original ?? '');
      state.mendedAt = performance.now();
    }
  };
  return { between, mendedAt: () => state.mendedAt ?? Infinity };
}

function faultSummary(samples: VictimSample[], mendedAt: number) {
  const before = summarise(
    samples.filter((sample) => sample.startedAt < mendedAt),
    0,
  );
  const firstServed = samples.find(
    (sample) => sample.startedAt >= mendedAt && sample.status !== undefined && sample.status < 300,
  );
  return {
    brokenRefusals: before.refusals,
    firstServedMs: firstServed === undefined ? NaN : firstServed.startedAt + firstServed.ms - mendedAt,
  };
}

async function runScenario(scenario: Scenario, dataFile: string): Promise<FairnessRow> {
  const server = await startPinnedServer(dataFile);
  const victim = {
    port: server.port,
    token: TOKENS.victim,
    noRekening: seededNoRekening(0),
    keepAlive: scenario.newConnections !== true,
  };
  let load: RunningLoad | undefined;
  try {
    if (scenario.attack !== undefined) {
      const { kind, key } = scenario.attack;
      load = await startLoad({
        kind,
        port: server.port,
        token: key === 'wrong' ? `wrong-${TOKENS.attacker}` : TOKENS[key],
        accounts: FAIRNESS_ACCOUNTS,
        longNoRekening: seededNoRekening(FAIRNESS_ACCOUNTS),
        maxMs: WARM_UP_MS + VICTIM_MS + 20_000,
      });
    }
    // The server's JIT warms up on the victim's own requests too, in every scenario alike; none of these count.
    await runVictim(victim, WARM_UP_MS);
    const fault = scenario.fault === true ? breakAndMend(dataFile) : undefined;
    const samples = await runVictim({ ...victim, between: fault?.between });
    const attacker = await load?.stop();
    load = undefined;
    const row: FairnessRow = {
      scenario: scenario.name,
      longHistory: scenario.longHistory === true,
      victim: summarise(samples, fault?.mendedAt() ?? 0),
      ...(scenario.attack !== undefined && { kind: scenario.attack.kind }),
      ...(attacker !== undefined && { attacker }),
      ...(fault !== undefined && { fault: faultSummary(samples, fault.mendedAt()) }),
    };
    const { medianMs, p99Ms, requests } = row.victim;
    console.error(
      `  fairness, ${scenario.name}: victim median POST ${medianMs['POST /tabung'].toFixed(1)} ms, ` +
        `GET ${medianMs['GET /saldo'].toFixed(1)} ms, p99 ${p99Ms.toFixed(1)} ms ` +
        `(${requests} requests); refusals ${JSON.stringify(row.victim.refusals)}, errors ${JSON.stringify(row.victim.errors)}`,
    );
    return row;
  } finally {
    await load?.stop().catch(() => undefined);
    await stopProcess(server);
  }
}

/** Every scenario, each on a fresh server and a fresh copy of the seeded file, so none inherits another's state. */
export async function measureFairness(dir: string): Promise<FairnessRow[]> {
  const smallSeed = path.join(dir, 'fairness-seed.json');
  const longSeed = path.join(dir, 'fairness-seed-long.json');
  await seedAccounts(smallSeed, FAIRNESS_ACCOUNTS);
  await seedAccounts(longSeed, FAIRNESS_ACCOUNTS, FAIRNESS_HISTORY);
  const rows: FairnessRow[] = [];
  // The victim runs here: on the load's core, never on the server's, where it would compete with what it
  // measures. Only for this section: the other rows' load generator may use both cores, as it always has.
  pinToCore(process.pid, LOAD_CORE);
  try {
    for (const [index, scenario] of SCENARIOS.entries()) {
      const dataFile = path.join(dir, `fairness-${index}.json`);
      await copyFile(scenario.longHistory === true ? longSeed : smallSeed, dataFile);
      rows.push(await runScenario(scenario, dataFile));
      await sleep(200); // the load's sockets and the server's are gone before the next scenario starts
    }
  } finally {
    pinToCore(process.pid, `${SERVER_CORE},${LOAD_CORE}`);
  }
  return rows;
}
