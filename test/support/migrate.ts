import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** `node dist/tools/migrate.js` as compose and the Kubernetes Job run it; resolves with its exit code and output. */
export function startMigrate(databaseUrl: string): { output: () => string; exited: Promise<number | null> } {
  let output = '';
  const child = spawn(process.execPath, [join(ROOT, 'dist/tools/migrate.js')], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'], DATABASE_URL: databaseUrl },
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { output: () => output, exited };
}
