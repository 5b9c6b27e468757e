// The stores' bounds unless configured otherwise, in one place: config.ts takes its defaults from here.

/**
 * Changes that may wait for storage at once per process (MAX_QUEUED_CHANGES): beyond it a store refuses a change
 * with QueueFull before it queues, so memory stays bounded under any load.
 */
export const MAX_QUEUED_CHANGES = 1_000;
