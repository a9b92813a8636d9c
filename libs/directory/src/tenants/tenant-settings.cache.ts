import type { TenantRepository, TenantSettings } from './tenant.repository';

/**
 * Tenant settings (work domains, notification address) for the worker's hot path: read once,
 * kept for a few seconds, so that a CLI change takes effect within `ttlMs`.
 */
export class TenantSettingsCache {
  private readonly entries = new Map<string, { settings: Promise<TenantSettings>; expires: number }>();

  constructor(
    private readonly tenants: TenantRepository,
    private readonly ttlMs = 5000,
  ) {}

  get(tenantId: string): Promise<TenantSettings> {
    const now = Date.now();
    const cached = this.entries.get(tenantId);
    if (cached && cached.expires > now) return cached.settings;
    const settings = this.tenants.get(tenantId);
    this.entries.set(tenantId, { settings, expires: now + this.ttlMs });
    // A failed read must not be remembered.
    settings.catch(() => this.entries.delete(tenantId));
    return settings;
  }
}
