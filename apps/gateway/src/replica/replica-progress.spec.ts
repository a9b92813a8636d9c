import { ReplicaProgress, parseLsn } from './replica-progress';

describe('parseLsn', () => {
  it('reads X/Y as a 64-bit position and orders positions', () => {
    expect(parseLsn('0/3000148')).toBe(0x3000148n);
    expect(parseLsn('1/0')).toBe(1n << 32n);
    expect(parseLsn('16/B374D848') > parseLsn('16/B374D847')).toBe(true);
    expect(parseLsn('2/0') > parseLsn('1/FFFFFFFF')).toBe(true);
  });

  it('refuses anything else', () => {
    expect(() => parseLsn('')).toThrow(/not a WAL position/);
    expect(() => parseLsn('0x10')).toThrow(/not a WAL position/);
  });
});

describe('ReplicaProgress', () => {
  it('shows nothing until the replica has replayed a sample taken after the write', () => {
    const progress = new ReplicaProgress();
    expect(progress.shows(0)).toBe(false);
    progress.primaryAt(10, 100n);
    progress.replicaReplayed(99n);
    expect(progress.shows(5)).toBe(false);
    progress.replicaReplayed(100n);
    // Writes completed before the sample's moment are at or below its position.
    expect(progress.shows(9)).toBe(true);
    expect(progress.shows(10)).toBe(false);
    expect(progress.shows(11)).toBe(false);
  });

  it('advances over several samples at once and never goes back', () => {
    const progress = new ReplicaProgress();
    progress.primaryAt(10, 100n);
    progress.primaryAt(20, 150n);
    progress.primaryAt(30, 300n);
    progress.replicaReplayed(200n);
    expect(progress.caughtUpTo).toBe(20);
    progress.replicaReplayed(50n);
    expect(progress.caughtUpTo).toBe(20);
    progress.replicaReplayed(300n);
    expect(progress.caughtUpTo).toBe(30);
  });

  it('keeps a bounded number of samples while the replica lags', () => {
    const progress = new ReplicaProgress();
    for (let i = 0; i < 1000; i++) progress.primaryAt(i, BigInt(i));
    progress.replicaReplayed(2000n);
    expect(progress.caughtUpTo).toBe(999);
  });
});
