import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { loadEnv, nodeArgs } from '@scim/config';
import { startMailCatcher, type MailCatcher } from './dev-mail-catcher';

/**
 * `npm run start:all`: the three built apps in one terminal.
 * - Their JSON log lines pass through as they are (each names its app); any other line gets an
 *   `[app]` prefix.
 * - Ctrl-C drains them: the terminal sends SIGINT to every process of the group, and this
 *   supervisor follows up with one SIGTERM for any app that did not get it (a `kill -INT` of this
 *   process alone); apps ignore a SIGTERM while already draining. A second Ctrl-C stops them at once.
 * - If one app exits, the others are stopped too.
 * - With SMTP_URL unset, a dev mail catcher listens on 127.0.0.1:1025 and writes each email to
 *   tmp/mail/*.eml, printing its subject (unless something else already listens there).
 */
const APPS = ['gateway', 'worker', 'notifier'] as const;
const DEFAULT_SMTP_URL = 'smtp://127.0.0.1:1025';
const root = join(__dirname, '..');
const children: ChildProcess[] = [];
let stopping = false;
let exitCode = 0;
let catcher: MailCatcher | undefined;

function line(app: string, text: string): string {
  return text.startsWith('{') ? `${text}\n` : `[${app}] ${text}\n`;
}

function pipeLines(name: string, stream: NodeJS.ReadableStream, out: NodeJS.WriteStream): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const text of lines) out.write(line(name, text));
  });
  stream.on('end', () => {
    if (buffered) out.write(line(name, buffered));
  });
}

const running = () => children.filter((c) => c.exitCode === null && c.signalCode === null);

function stopAll(): void {
  if (stopping) return;
  stopping = true;
  for (const child of running()) child.kill('SIGTERM');
}

async function finish(): Promise<void> {
  await catcher?.close();
  process.exit(exitCode);
}

async function main(): Promise<void> {
  const { SMTP_URL } = loadEnv(['SMTP_URL']);
  if (SMTP_URL === DEFAULT_SMTP_URL) {
    const directory = join(process.cwd(), 'tmp', 'mail');
    try {
      catcher = await startMailCatcher({ port: 1025, directory });
      console.log(
        JSON.stringify({
          level: 'info',
          time: new Date().toISOString(),
          app: 'mail-catcher',
          msg: `Catching the notifier's mail on 127.0.0.1:1025: tmp/mail/*.eml`,
        }),
      );
    } catch (error) {
      console.log(
        `[mail-catcher] not started (${(error as Error).message}); mail goes to whatever listens on 127.0.0.1:1025`,
      );
    }
  }
  for (const app of APPS) {
    const child = spawn(process.execPath, nodeArgs(app, join(root, 'apps', app, 'src', 'main.js')), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    pipeLines(app, child.stdout!, process.stdout);
    pipeLines(app, child.stderr!, process.stderr);
    child.on('exit', (code, signal) => {
      if (code !== 0) exitCode = exitCode || (code ?? 1);
      console.log(line(app, `exited (${signal ?? code})`).trimEnd());
      stopAll();
      if (running().length === 0) void finish();
    });
    children.push(child);
  }
}

let firstInterrupt: number | undefined;
process.on('SIGINT', () => {
  if (firstInterrupt !== undefined) {
    // A second Ctrl-C (not the same one passed on by npm a moment later): stop at once.
    if (Date.now() - firstInterrupt > 500) for (const child of running()) child.kill('SIGINT');
    return;
  }
  firstInterrupt = Date.now();
  // The terminal's SIGINT reached the apps too; give it a moment before following up.
  setTimeout(stopAll, 1000).unref();
});
process.on('SIGTERM', stopAll);

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  stopAll();
  process.exitCode = 1;
});
