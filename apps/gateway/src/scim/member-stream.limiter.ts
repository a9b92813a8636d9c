import { Inject, Injectable } from '@nestjs/common';
import { ScimError } from '@scim/scim';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';

const MEMBER_STREAM_RETRY_AFTER_SECONDS = 10;

/** Reads of groups with more members than this (in all) take a slot. */
export const LARGE_MEMBER_READ = 5000;

/** Gives back a claimed slot; calling it more than once is harmless. */
export type ReleaseSlot = () => void;

/**
 * Caps the reads that stream more than LARGE_MEMBER_READ members (big groups) at once: per tenant, so
 * that one tenant cannot use up the process's share, and per process, so that memory and the
 * member-page pool stay bounded. A slot is held until the answer is written or the client goes.
 */
@Injectable()
export class MemberStreamLimiter {
  private readonly byTenant = new Map<string, number>();
  private total = 0;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  /** A slot for one big member read, or a 429 (this tenant) / 503 (this process) SCIM error. */
  claim(tenantId: string): ReleaseSlot {
    const mine = this.byTenant.get(tenantId) ?? 0;
    if (mine >= this.config.memberStreamsPerTenant) {
      throw new ScimError(
        429,
        `This tenant already has ${mine} reads of large groups in progress, the most allowed at once. Retry after they finish, or read the group with excludedAttributes=members.`,
        undefined,
        MEMBER_STREAM_RETRY_AFTER_SECONDS,
      );
    }
    if (this.total >= this.config.memberStreamsPerProcess) {
      throw new ScimError(
        503,
        'The server is busy reading large groups for other requests. Retry in a few seconds.',
        undefined,
        MEMBER_STREAM_RETRY_AFTER_SECONDS,
      );
    }
    this.byTenant.set(tenantId, mine + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byTenant.get(tenantId) ?? 1) - 1;
      if (left > 0) this.byTenant.set(tenantId, left);
      else this.byTenant.delete(tenantId);
    };
  }

  /** Streams in progress (for tests and metrics). */
  get inProgress(): number {
    return this.total;
  }
}
