/**
 * Fairness between tenants in the one FIFO `directory` queue: each tenant may have only so many
 * writes in the queue or running at once (per gateway); more wait here, in arrival order, until one
 * of its writes is answered. A burst from one tenant then sits in front of another tenant's write
 * as a handful of jobs, not as the whole burst. Reads are not gated: they do not use the queue.
 */
export class TenantWriteGate {
  private readonly tenants = new Map<string, { active: number; waiting: (() => void)[] }>();

  /** Writes in flight a tenant may have: what it may send in 200 ms, and never fewer than 8. */
  static capFor(perSecond: number): number {
    return Math.max(8, Math.ceil(perSecond / 5));
  }

  /**
   * Resolves with a release function once the tenant has a free slot, or with undefined if none
   * came free within `timeoutMs`.
   */
  enter(tenantId: string, cap: number, timeoutMs: number): Promise<(() => void) | undefined> {
    let state = this.tenants.get(tenantId);
    if (!state) {
      state = { active: 0, waiting: [] };
      this.tenants.set(tenantId, state);
    }
    const slot = state;
    if (slot.active < cap) {
      slot.active += 1;
      return Promise.resolve(this.releaser(tenantId, slot));
    }
    return new Promise((resolve) => {
      const admit = () => {
        clearTimeout(timer);
        resolve(this.releaser(tenantId, slot));
      };
      const timer = setTimeout(() => {
        const index = slot.waiting.indexOf(admit);
        if (index >= 0) slot.waiting.splice(index, 1);
        resolve(undefined);
      }, timeoutMs);
      slot.waiting.push(admit);
    });
  }

  /** Writes of this tenant in flight and waiting (for tests and metrics). */
  load(tenantId: string): { active: number; waiting: number } {
    const state = this.tenants.get(tenantId);
    return { active: state?.active ?? 0, waiting: state?.waiting.length ?? 0 };
  }

  private releaser(tenantId: string, slot: { active: number; waiting: (() => void)[] }): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = slot.waiting.shift();
      // The slot passes straight to the next waiting write.
      if (next) return next();
      slot.active -= 1;
      if (slot.active === 0) this.tenants.delete(tenantId);
    };
  }
}
