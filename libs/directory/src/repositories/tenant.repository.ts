import { createHash, randomBytes } from 'node:crypto';
import { IsNull, type DataSource } from 'typeorm';
import { ApiTokenEntity } from '../entities/api-token.entity';
import { TenantEntity } from '../entities/tenant.entity';
import { DirectoryError, DirectoryErrorCode } from '../directory-error';
import { isValidDomain, normalizeDomain } from '../rules/work-email.rule';
import { isResourceId } from './resource-row';

export interface TenantSettings {
  id: string;
  name: string;
  notifyEmail: string | null;
  notifyOnFailure: boolean;
  workDomains: string[];
  /** Requests per second; null: the gateway's RATE_LIMIT_PER_SECOND. */
  rateLimit: number | null;
}

export interface TenantChanges {
  name?: string;
  notifyEmail?: string | null;
  notifyOnFailure?: boolean;
  workDomains?: string[];
  rateLimit?: number | null;
}

/** Entra documents that it needs at least 25 requests per second per tenant. */
export const MIN_TENANT_RATE_LIMIT = 25;
const MAX_TENANT_RATE_LIMIT = 1_000_000;

export interface TenantSummary extends TenantSettings {
  createdAt: string;
  activeTokens: number;
  tokenLastUsedAt: string | null;
}

/** Tokens are `scim_` + 256 random bits, base64url. Only their SHA-256 is stored. */
export function generateToken(): string {
  return `scim_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isValidEmailAddress(address: string): boolean {
  return EMAIL.test(address) && address.length <= 254;
}

/** Checks and normalises tenant settings; throws a DirectoryError naming the bad value. */
export function validateTenantChanges(changes: TenantChanges): TenantChanges {
  const result: TenantChanges = { ...changes };
  if (changes.name !== undefined && changes.name.trim() === '') {
    throw new DirectoryError(DirectoryErrorCode.InvalidSetting, 'The tenant name must not be empty.');
  }
  if (changes.notifyEmail !== undefined && changes.notifyEmail !== null) {
    const email = changes.notifyEmail.trim();
    if (!isValidEmailAddress(email)) {
      throw new DirectoryError(DirectoryErrorCode.InvalidSetting, `"${changes.notifyEmail}" is not a valid email address.`);
    }
    result.notifyEmail = email;
  }
  if (changes.workDomains !== undefined) {
    const domains = [...new Set(changes.workDomains.map(normalizeDomain).filter((d) => d.length > 0))];
    const bad = domains.filter((d) => !isValidDomain(d));
    if (bad.length > 0) {
      throw new DirectoryError(DirectoryErrorCode.InvalidSetting, `Not a valid domain: ${bad.join(', ')}.`);
    }
    result.workDomains = domains;
  }
  if (changes.rateLimit !== undefined && changes.rateLimit !== null) {
    const rate = changes.rateLimit;
    if (!Number.isInteger(rate) || rate < MIN_TENANT_RATE_LIMIT || rate > MAX_TENANT_RATE_LIMIT) {
      throw new DirectoryError(
        DirectoryErrorCode.InvalidSetting,
        `The rate limit must be a whole number of requests per second from ${MIN_TENANT_RATE_LIMIT} (what Entra needs) to ${MAX_TENANT_RATE_LIMIT}, not ${rate}.`,
      );
    }
  }
  return result;
}

function toSettings(tenant: TenantEntity): TenantSettings {
  return {
    id: tenant.id,
    name: tenant.name,
    notifyEmail: tenant.notifyEmail,
    notifyOnFailure: tenant.notifyOnFailure,
    workDomains: tenant.workDomains,
    rateLimit: tenant.rateLimit,
  };
}

/** Tenants and their SCIM tokens: what the admin CLI manages and the gateway authenticates. */
export class TenantRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get tenants() {
    return this.dataSource.getRepository(TenantEntity);
  }

  private get tokens() {
    return this.dataSource.getRepository(ApiTokenEntity);
  }

  async create(changes: TenantChanges & { name: string }): Promise<{ tenant: TenantSettings; token: string }> {
    const valid = validateTenantChanges(changes);
    return this.dataSource.transaction(async (manager) => {
      const tenant = await manager.getRepository(TenantEntity).save(
        manager.getRepository(TenantEntity).create({
          name: valid.name!.trim(),
          notifyEmail: valid.notifyEmail ?? null,
          notifyOnFailure: valid.notifyOnFailure ?? Boolean(valid.notifyEmail),
          workDomains: valid.workDomains ?? [],
          rateLimit: valid.rateLimit ?? null,
        }),
      );
      const token = generateToken();
      await manager.getRepository(ApiTokenEntity).insert({ tenantId: tenant.id, tokenHash: hashToken(token) });
      return { tenant: toSettings(tenant), token };
    });
  }

  async get(tenantId: string): Promise<TenantSettings> {
    const tenant = await this.findTenant(tenantId);
    return toSettings(tenant);
  }

  async update(tenantId: string, changes: TenantChanges): Promise<TenantSettings> {
    const valid = validateTenantChanges(changes);
    const tenant = await this.findTenant(tenantId);
    if (valid.name !== undefined) tenant.name = valid.name.trim();
    if (valid.notifyEmail !== undefined) tenant.notifyEmail = valid.notifyEmail;
    if (valid.notifyOnFailure !== undefined) tenant.notifyOnFailure = valid.notifyOnFailure;
    if (valid.workDomains !== undefined) tenant.workDomains = valid.workDomains;
    if (valid.rateLimit !== undefined) tenant.rateLimit = valid.rateLimit;
    if (tenant.notifyOnFailure && !tenant.notifyEmail) {
      throw new DirectoryError(DirectoryErrorCode.InvalidSetting, 'Notifications cannot be on without a notification address: give --notify EMAIL.');
    }
    return toSettings(await this.tenants.save(tenant));
  }

  async list(): Promise<TenantSummary[]> {
    const rows: (Omit<TenantSummary, 'createdAt' | 'tokenLastUsedAt' | 'activeTokens'> & { createdAt: Date; tokenLastUsedAt: Date | null; activeTokens: string })[] =
      await this.dataSource.query(`
        SELECT t.id, t.name, t.notify_email AS "notifyEmail", t.notify_on_failure AS "notifyOnFailure",
               t.work_domains AS "workDomains", t.rate_limit AS "rateLimit", t.created_at AS "createdAt",
               count(k.id) FILTER (WHERE k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())) AS "activeTokens",
               max(k.last_used_at) AS "tokenLastUsedAt"
          FROM tenants t LEFT JOIN api_tokens k ON k.tenant_id = t.id
         GROUP BY t.id ORDER BY t.created_at`);
    return rows.map((r) => ({
      ...r,
      createdAt: r.createdAt.toISOString(),
      tokenLastUsedAt: r.tokenLastUsedAt ? r.tokenLastUsedAt.toISOString() : null,
      activeTokens: Number(r.activeTokens),
    }));
  }

  /**
   * Issues a new token. The tenant's other live tokens keep working for `graceSeconds`, so that
   * the admin can paste the new one into Entra without a gap.
   */
  async rotateToken(tenantId: string, graceSeconds: number): Promise<{ token: string; oldTokensExpireAt: string }> {
    await this.findTenant(tenantId);
    const expiresAt = new Date(Date.now() + graceSeconds * 1000);
    const token = generateToken();
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `UPDATE api_tokens SET expires_at = $2
          WHERE tenant_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)`,
        [tenantId, expiresAt],
      );
      await manager.getRepository(ApiTokenEntity).insert({ tenantId, tokenHash: hashToken(token) });
    });
    return { token, oldTokensExpireAt: expiresAt.toISOString() };
  }

  /** Revokes one token (when given) or every token of the tenant; returns how many were revoked. */
  async revokeTokens(tenantId: string, token?: string): Promise<number> {
    await this.findTenant(tenantId);
    const where = token === undefined
      ? { tenantId, revokedAt: IsNull() }
      : { tenantId, revokedAt: IsNull(), tokenHash: hashToken(token) };
    const result = await this.tokens.update(where, { revokedAt: () => 'now()' });
    return result.affected ?? 0;
  }

  /**
   * The tenant a live token belongs to, with the tenant's own rate limit (null: the default), or
   * undefined for unknown, revoked and expired tokens.
   */
  async authenticate(token: string): Promise<{ tenantId: string; tokenId: string; rateLimit: number | null } | undefined> {
    const rows: { tenant_id: string; id: string; rate_limit: number | null }[] = await this.dataSource.query(
      `SELECT k.id, k.tenant_id, t.rate_limit FROM api_tokens k JOIN tenants t ON t.id = k.tenant_id
        WHERE k.token_hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())`,
      [hashToken(token)],
    );
    return rows[0] ? { tenantId: rows[0].tenant_id, tokenId: rows[0].id, rateLimit: rows[0].rate_limit } : undefined;
  }

  async touchTokens(tokenIds: string[]): Promise<void> {
    if (tokenIds.length === 0) return;
    await this.dataSource.query(`UPDATE api_tokens SET last_used_at = now() WHERE id = ANY($1::uuid[])`, [tokenIds]);
  }

  private async findTenant(tenantId: string): Promise<TenantEntity> {
    const tenant = isResourceId(tenantId) ? await this.tenants.findOneBy({ id: tenantId }) : null;
    if (!tenant) throw new DirectoryError(DirectoryErrorCode.NotFound, `No tenant with id "${tenantId}".`);
    return tenant;
  }
}
