export * from './health';
export * from './logger';
export * from './metrics';
export * from './nest-logger';
export * from './ops-server';
export * from './request-id';
