// Runs a Node server as a child process on a free port on 127.0.0.1 and stops it: the one place that does so.
// The process suites start the real entry point here, and `npm run bench` imports it for the servers it
// measures. It lives in tests/, beside the suites that use it most, because src/ ships only what production runs.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface RunningServer {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  /** From spawn to the line that names the port. */
  startupMs: number;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | NodeJS.Signals | null>;
  output: () => string;
}

export interface StartOptions {
  timeoutMs: number;
  /**
   * Keep all of stdout and stderr for `output()` (a test reads the logs after the fact). Otherwise stderr goes to
   * ours and stdout is dropped once the port is known: the bench's load generator shares this process, and
   * keeping and scanning every request log would make it the bottleneck.
   */
  keepsOutput: boolean;
}

/** Thrown when the process ends before it listens, with what it wrote: a refused start is a result to check. */
export class ExitedBeforeListening extends Error {
  constructor(
    readonly code: number | NodeJS.Signals | null,
    readonly output: string,
  ) {
    super(`server exited (${String(code)}) before listening:\n${output}`);
  }
}

const ROOT = path.join(__dirname, '..');

/** Every process started here; none may outlive the process that started it, whatever happens. */
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** Spawns `node ...nodeArgs` in the project root and waits for the `"port":N` line of its start log. */
export function startProcess(
  nodeArgs: string[],
  env: Record<string, string>,
  { timeoutMs, keepsOutput }: StartOptions,
): Promise<RunningServer> {
  const started = performance.now();
  const child = spawn(process.execPath, nodeArgs, {
    cwd: ROOT,
    // info: the start line carries the port. `env` comes last so a suite can try a non-loopback HOST; the bench never does.
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', keepsOutput ? 'pipe' : 'inherit'],
  });
  children.add(child);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal);
    }),
  );
  let output = '';
  const collect = (chunk: Buffer) => (output += chunk.toString());
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const waitForPort = () => {
      const port = /"port":(\d+)/.exec(output)?.[1];
      if (port === undefined) return;
      clearTimeout(timer);
      child.stdout?.off('data', waitForPort);
      if (!keepsOutput) {
        child.stdout?.off('data', collect);
        child.stdout?.resume();
      }
      resolve({
        child,
        port: Number(port),
        baseUrl: `http://127.0.0.1:${port}`,
        startupMs: performance.now() - started,
        exited,
        output: () => output,
      });
    };
    child.stdout?.on('data', waitForPort);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new ExitedBeforeListening(code, output));
    });
  });
}

/** Asks the process to shut down (SIGTERM, as a deployment would) and waits until it has. */
export async function stopProcess({ child, exited }: RunningServer): Promise<number | NodeJS.Signals | null> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  return exited;
}

/** Starts the real entry point (src/server.ts), as `npm start` would, keeping its output for the test. */
export function startServer(env: Record<string, string>, timeoutMs = 15_000): Promise<RunningServer> {
  return startProcess(['--import', 'tsx', path.join(ROOT, 'src', 'server.ts')], env, {
    timeoutMs,
    keepsOutput: true,
  });
}

/** Runs the server expecting it to refuse to start; returns its exit code and output. */
export async function failedStart(env: Record<string, string>): Promise<{ code: string; output: string }> {
  try {
    const server = await startServer(env);
    server.child.kill('SIGKILL');
  } catch (error) {
    if (!(error instanceof ExitedBeforeListening)) throw error;
    return { code: String(error.code), output: error.output };
  }
  throw new Error('server started but was expected to refuse');
}

/** POSTs a JSON body to a running server, as any HTTP client would. */
export function postJson(baseUrl: string, endpoint: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}${endpoint}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}
