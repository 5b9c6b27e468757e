// Runs the real entry point (src/server.ts) as a child process, as `npm start` would, on a free port.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface RunningServer {
  child: ChildProcess;
  baseUrl: string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | NodeJS.Signals | null>;
  output: () => string;
}

const ROOT = path.join(__dirname, '..');

/** Starts the server and waits for it to listen; rejects with its output if it exits first. */
export function startServer(env: Record<string, string>, timeoutMs = 15_000): Promise<RunningServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'server.ts')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const waitForPort = () => {
      const port = /"port":(\d+)/.exec(output)?.[1];
      if (port === undefined) return;
      clearTimeout(timer);
      child.stdout.off('data', waitForPort);
      resolve({ child, baseUrl: `http://127.0.0.1:${port}`, exited, output: () => output });
    };
    child.stdout.on('data', waitForPort);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${String(code)}) before listening:\n${output}`));
    });
  });
}

/** Runs the server expecting it to refuse to start; returns its exit code and output. */
export async function failedStart(env: Record<string, string>): Promise<{ code: unknown; output: string }> {
  try {
    const server = await startServer(env);
    server.child.kill('SIGKILL');
    throw new Error('server started but was expected to refuse');
  } catch (error) {
    const message = (error as Error).message;
    const match = /server exited \((.*?)\) before listening:\n([\s\S]*)$/.exec(message);
    if (!match) throw error;
    return { code: match[1], output: match[2] ?? '' };
  }
}

/** POSTs a JSON body to a running server, as any HTTP client would. */
export function postJson(baseUrl: string, endpoint: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}${endpoint}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}
