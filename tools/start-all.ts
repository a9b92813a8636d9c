import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/**
 * `npm run start:all`: the three built apps in one terminal, each line prefixed with its name.
 * Ctrl-C stops them all; if one exits, the others are stopped too.
 */
const APPS = ['gateway', 'worker', 'notifier'] as const;
const root = join(__dirname, '..');
const children: ChildProcess[] = [];
let stopping = false;

function prefixLines(name: string, stream: NodeJS.ReadableStream, out: NodeJS.WriteStream): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) out.write(`[${name}] ${line}\n`);
  });
}

function stopAll(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill(signal);
}

for (const app of APPS) {
  const child = spawn(process.execPath, [join(root, 'apps', app, 'src', 'main.js')], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  prefixLines(app, child.stdout!, process.stdout);
  prefixLines(app, child.stderr!, process.stderr);
  child.on('exit', (code, signal) => {
    console.log(`[${app}] exited (${signal ?? code})`);
    stopAll('SIGTERM');
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(stopping && code === 0 ? 0 : code ?? 0);
  });
  children.push(child);
}

process.on('SIGINT', () => stopAll('SIGTERM'));
process.on('SIGTERM', () => stopAll('SIGTERM'));
