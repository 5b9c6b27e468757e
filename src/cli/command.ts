// What the CLIs share: DATABASE_URL, their arguments, --help, and a plain message on failure.
import { loadConfig } from '../config';

export function databaseUrlFromEnv(): string {
  const { DATABASE_URL } = loadConfig();
  if (DATABASE_URL === undefined)
    throw new Error('DATABASE_URL wajib diisi, contoh: postgres://tabungan:tabungan@127.0.0.1:5432/tabungan');
  return DATABASE_URL;
}

/** `--help` or `-h` anywhere among the arguments: the usage on stdout, and exit 0, before anything else runs. */
export function answerHelp(usage: string): void {
  const args = process.argv.slice(2);
  if (!args.includes('--help') && !args.includes('-h')) return;
  console.log(`pemakaian: ${usage}`);
  process.exit(0);
}

/** For the commands that take one file: checks the arguments, then runs `work` on the file. */
export function runFileCommand(usage: string, work: (file: string) => Promise<string>): void {
  answerHelp(usage);
  const [file, ...extra] = process.argv.slice(2);
  if (file === undefined || extra.length > 0) exitWithUsage(usage);
  report(work(file));
}

export function exitWithUsage(usage: string): never {
  console.error(`pemakaian: ${usage}`);
  process.exit(2);
}

/** Prints what the command did (unless it printed its own output), or its error in one plain line with exit code 1. */
export function report(work: Promise<string>): void {
  work.then(
    (message) => {
      if (message !== '') console.log(message);
    },
    (error: unknown) => {
      // The operator's console may see a data-file error's detail (a position, or digits masked); clients never do.
      const detail = (error as { detail?: unknown } | null)?.detail;
      const suffix = typeof detail === 'string' ? ` (${detail})` : '';
      console.error(error instanceof Error ? `${error.name}: ${error.message}${suffix}` : error);
      process.exit(1);
    },
  );
}
