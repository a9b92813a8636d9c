/** Queue names (kebab-case nouns). The BullMQ key prefix comes from QUEUE_PREFIX. */
export const DIRECTORY_QUEUE = 'directory';
export const NOTIFICATIONS_QUEUE = 'notifications';
