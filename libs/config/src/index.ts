export * from './connection-budget';
export * from './env.config';
export * from './log-levels';
export * from './shutdown';
export * from './redis.config';
export * from './gateway-node-flags';
