export * from './mail-sender';
export * from './notification.store';
export * from './digest-history.repository';
export * from './failure-advice';
