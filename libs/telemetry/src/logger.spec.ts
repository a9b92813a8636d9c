import { Writable } from 'node:stream';
import { createLogger, isoTimestamp } from './logger';
import { NestPinoLogger } from './nest-logger';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('logger', () => {
  it('formats time as Date#toISOString does, across seconds, minutes and years', () => {
    for (const at of [
      0,
      999,
      1000,
      1764603798670,
      1764603798005,
      1764603798050,
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2027, 0, 1),
    ]) {
      expect(isoTimestamp(at)).toBe(`,"time":"${new Date(at).toISOString()}"`);
    }
  });

  it('writes JSON lines with a string level, an ISO UTC time and the app, at the level asked for', () => {
    const out = capture();
    const logger = createLogger({ app: 'worker', level: 'log', format: 'json', destination: out.stream });
    logger.info({ operationId: 'o' }, 'write');
    logger.debug('not shown at LOG_LEVEL=log');
    expect(out.lines()).toEqual([
      {
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        app: 'worker',
        pid: process.pid,
        operationId: 'o',
        msg: 'write',
      },
    ]);
  });

  it("turns Nest's log calls into records with a context, and drops Nest's start-up chatter", () => {
    const out = capture();
    const nest = new NestPinoLogger(
      createLogger({ app: 'gateway', level: 'log', format: 'json', destination: out.stream }),
    );
    nest.log('Mapped {/api/scim/Users, GET} route', 'RouterExplorer');
    nest.log('Gateway listening on :8080', 'Gateway');
    nest.error('Unexpected error on GET /x', 'Error: boom\n    at x', 'ScimExceptionFilter');
    nest.warn(new Error('bad'), 'Worker');
    expect(out.lines()).toEqual([
      expect.objectContaining({ level: 'info', context: 'Gateway', msg: 'Gateway listening on :8080' }),
      expect.objectContaining({
        level: 'error',
        context: 'ScimExceptionFilter',
        stack: 'Error: boom\n    at x',
        msg: 'Unexpected error on GET /x',
      }),
      expect.objectContaining({
        level: 'warn',
        context: 'Worker',
        msg: 'bad',
        err: expect.objectContaining({ type: 'Error', message: 'bad' }),
      }),
    ]);
  });
});
