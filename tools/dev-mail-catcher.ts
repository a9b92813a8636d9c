import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

/**
 * A mail catcher for running without Docker: an SMTP server on 127.0.0.1 that accepts everything,
 * writes each message as an .eml file (open it with any mail client) and prints one JSON line with
 * its recipients and subject. For development only: no TLS, no authentication, loopback only.
 */
export interface MailCatcher {
  port: number;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/** RFC 2047 encoded words (=?UTF-8?B?…?= and =?UTF-8?Q?…?=), as nodemailer writes non-ASCII subjects. */
export function decodeHeader(value: string): string {
  // Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_match, charset: string, encoding: string, text: string) => {
      const bytes =
        encoding.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : Buffer.from(
              text
                .replace(/_/g, ' ')
                .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
              'latin1',
            );
      return new TextDecoder(/utf-?8/i.test(charset) ? 'utf-8' : 'latin1').decode(bytes);
    });
}

/** The Subject of a raw message (folded lines joined), decoded. */
export function subjectOf(raw: string): string {
  const headers = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const match = /^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(headers);
  return match ? decodeHeader(match[1]!.replace(/\r?\n[ \t]+/g, ' ')).trim() : '';
}

export async function startMailCatcher(options: {
  port: number;
  directory: string;
  log?: (line: string) => void;
}): Promise<MailCatcher> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  mkdirSync(options.directory, { recursive: true });
  let serial = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: MAX_MESSAGE_BYTES,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        serial += 1;
        const file = join(options.directory, `${new Date().toISOString().replace(/[:.]/g, '-')}-${serial}.eml`);
        try {
          writeFileSync(file, raw);
        } catch (error) {
          callback(error as Error);
          return;
        }
        const to = session.envelope.rcptTo.map((r) => r.address);
        log(
          JSON.stringify({
            level: 'info',
            time: new Date().toISOString(),
            app: 'mail-catcher',
            to,
            subject: subjectOf(raw.toString('utf8')),
            file,
            msg: 'mail received',
          }),
        );
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  server.on('error', (error: Error) =>
    log(JSON.stringify({ level: 'warn', time: new Date().toISOString(), app: 'mail-catcher', msg: error.message })),
  );
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** `npm run mail-catcher [-- PORT [DIRECTORY]]`. */
if (require.main === module) {
  const port = Number(process.argv[2] ?? 1025);
  const directory = process.argv[3] ?? join(process.cwd(), 'tmp', 'mail');
  startMailCatcher({ port, directory }).then(
    (catcher) => {
      process.stdout.write(
        `${JSON.stringify({ level: 'info', time: new Date().toISOString(), app: 'mail-catcher', msg: `Catching mail on 127.0.0.1:${catcher.port}, writing .eml files to ${directory}` })}\n`,
      );
      const stop = () => void catcher.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (error: Error) => {
      process.stderr.write(`mail-catcher: ${error.message}\n`);
      process.exit(1);
    },
  );
}
