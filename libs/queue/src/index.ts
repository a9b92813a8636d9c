export * from './queue-names';
export * from './directory.jobs';
export * from './job-options';
export * from './notifications.jobs';
export * from './job-retention';
export * from './worker-heartbeats';
export * from './failure-reason';
export * from './redis-connection';
