export * from './env.config';
export * from './log-levels';
