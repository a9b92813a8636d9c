/** A WAL position (`pg_current_wal_lsn()`, `pg_last_wal_replay_lsn()`) as text `X/Y`, as a number. */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (!match) throw new Error(`not a WAL position: ${JSON.stringify(text)}`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** Samples of the primary's WAL position kept while the replica has not replayed them. */
const MAX_PENDING_SAMPLES = 200;

/**
 * How far the replica has caught up, as a moment of this process's clock: every write that
 * completed before `caughtUpTo` is visible on the replica. The primary's WAL position is sampled
 * (the moment is taken before asking, so anything committed before it lies at or below the
 * position); once the replica has replayed past a sample, its moment is caught up.
 */
export class ReplicaProgress {
  private readonly pending: { at: number; lsn: bigint }[] = [];
  caughtUpTo = Number.NEGATIVE_INFINITY;

  primaryAt(at: number, lsn: bigint): void {
    this.pending.push({ at, lsn });
    // Dropping the oldest only delays catching up; it never claims too much.
    if (this.pending.length > MAX_PENDING_SAMPLES) this.pending.shift();
  }

  replicaReplayed(lsn: bigint): void {
    while (this.pending.length > 0 && this.pending[0]!.lsn <= lsn) {
      this.caughtUpTo = Math.max(this.caughtUpTo, this.pending.shift()!.at);
    }
  }

  /** Whether a write that completed at `writtenAt` is visible on the replica. */
  shows(writtenAt: number): boolean {
    return writtenAt < this.caughtUpTo;
  }
}
