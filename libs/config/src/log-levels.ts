import type { LogLevel } from '@nestjs/common';

const ORDER: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

/** LOG_LEVEL names the least severe level shown. */
export function logLevelsFrom(level: LogLevel): LogLevel[] {
  return ORDER.slice(0, ORDER.indexOf(level) + 1);
}
