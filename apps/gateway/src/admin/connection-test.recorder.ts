import { Injectable, Logger } from '@nestjs/common';
import { TenantRepository } from '@scim/directory';

/** Entra's Test Connection: `GET /Users?filter=userName eq "<random guid>"` (quoted or not). */
const TEST_CONNECTION_FILTER =
  /^\s*userName\s+eq\s+"?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"?\s*$/i;
/** At most one write per tenant this often, however often the query comes. */
const MIN_INTERVAL_MS = 5000;

export function isTestConnectionQuery(filter: unknown): boolean {
  return typeof filter === 'string' && TEST_CONNECTION_FILTER.test(filter);
}

/** Notes when a tenant's Entra last ran Test Connection, for the console's Connection page. */
@Injectable()
export class ConnectionTestRecorder {
  private readonly logger = new Logger('AdminConsole');
  private readonly lastWrite = new Map<string, number>();

  constructor(private readonly tenants: TenantRepository) {}

  /** Never delays or fails the SCIM request: the write runs in the background. */
  observe(tenant: { tenantId: string; tokenId: string } | undefined, filter: unknown): void {
    if (!tenant || !isTestConnectionQuery(filter)) return;
    const now = Date.now();
    if (now - (this.lastWrite.get(tenant.tenantId) ?? 0) < MIN_INTERVAL_MS) return;
    if (this.lastWrite.size > 10000) this.lastWrite.clear();
    this.lastWrite.set(tenant.tenantId, now);
    this.tenants.recordTestConnection(tenant.tenantId, tenant.tokenId).catch((error: unknown) => {
      this.logger.warn(`Could not record a Test Connection: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
}
