import { Writable } from 'node:stream';
import { createLogger, type Logger, type LoggerOptions } from '@scim/telemetry';

/** An app's JSON log lines kept in memory, so that a test can read what was logged (and the run stays quiet). */
export class MemoryLog {
  readonly lines: string[] = [];
  readonly logger: Logger;

  constructor(app: LoggerOptions['app'], level: LoggerOptions['level']) {
    const destination = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.lines.push(
          ...chunk
            .toString()
            .split('\n')
            .filter((line) => line !== ''),
        );
        done();
      },
    });
    this.logger = createLogger({ app, level, format: 'json', destination });
  }

  get records(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
