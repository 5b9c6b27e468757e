// The bench's two cores: the server under measure on one, the load that measures it on the other, so that neither
// takes the other's core and a row measures the server rather than the machine.
import { execFileSync } from 'node:child_process';

export const SERVER_CORE = '0';
export const LOAD_CORE = '1';

/** Pins every thread of `pid` (those started later inherit it from the thread that starts them). */
export function pinToCore(pid: number | undefined, core: string): void {
  if (pid === undefined) throw new Error('no process to pin');
  execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', core, String(pid)], { stdio: 'ignore' });
}
