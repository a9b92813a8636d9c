import { hash, randomBytes } from 'node:crypto';
import { IsNull, type DataSource } from 'typeorm';
import { ApiTokenEntity } from '../entities/api-token.entity';
import { TenantEntity } from '../entities/tenant.entity';
import { DirectoryError } from '../directory-error';
import { FailureReason } from '@scim/queue';
import { isValidDomain, normalizeDomain } from '../rules/work-email.rule';
import { isResourceId } from '../resource-id';

export interface TenantSettings {
  id: string;
  name: string;
  notifyEmail: string | null;
  notifyOnFailure: boolean;
  workDomains: string[];
  /** Addresses that may ask for a sign-in link to the admin console (lower case). */
  adminEmails: string[];
  /** Requests per second; null: the gateway's RATE_LIMIT_PER_SECOND. */
  rateLimit: number | null;
}

export interface TenantChanges {
  name?: string;
  notifyEmail?: string | null;
  notifyOnFailure?: boolean;
  workDomains?: string[];
  rateLimit?: number | null;
  adminEmails?: string[];
}

export interface TokenRecord {
  id: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** Set while a rotated-out token is in its grace period. */
  expiresAt: string | null;
}

/** Entra documents that it needs at least 25 requests per second per tenant. */
export const MIN_TENANT_RATE_LIMIT = 25;
const MAX_TENANT_RATE_LIMIT = 1_000_000;

export interface TenantSummary extends TenantSettings {
  createdAt: string;
  activeTokens: number;
  tokenLastUsedAt: string | null;
}

/** How long a replaced token keeps working by default: a day to paste the new one into Entra. */
export const DEFAULT_TOKEN_GRACE_HOURS = 24;

/** Tokens are `scim_` + 256 random bits, base64url. Only their SHA-256 is stored. */
export function generateToken(): string {
  return `scim_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  // The one-shot form: a third of createHash's cost, and it runs on every SCIM request.
  return hash('sha256', token, 'hex');
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isValidEmailAddress(address: string): boolean {
  return EMAIL.test(address) && address.length <= 254;
}

/** Checks and normalises tenant settings; throws a DirectoryError naming the bad value. */
export function validateTenantChanges(changes: TenantChanges): TenantChanges {
  const result: TenantChanges = { ...changes };
  if (changes.name !== undefined && changes.name.trim() === '') {
    throw new DirectoryError(FailureReason.InvalidSetting, 'The tenant name must not be empty.');
  }
  if (changes.notifyEmail !== undefined && changes.notifyEmail !== null) {
    const email = changes.notifyEmail.trim();
    if (!isValidEmailAddress(email)) {
      throw new DirectoryError(FailureReason.InvalidSetting, `"${changes.notifyEmail}" is not a valid email address.`);
    }
    result.notifyEmail = email;
  }
  if (changes.workDomains !== undefined) {
    const domains = [...new Set(changes.workDomains.map(normalizeDomain).filter((d) => d.length > 0))];
    const bad = domains.filter((d) => !isValidDomain(d));
    if (bad.length > 0) {
      throw new DirectoryError(FailureReason.InvalidSetting, `Not a valid domain: ${bad.join(', ')}.`, {
        invalid: bad,
      });
    }
    result.workDomains = domains;
  }
  if (changes.adminEmails !== undefined) {
    const addresses = [...new Set(changes.adminEmails.map((a) => a.trim().toLowerCase()).filter((a) => a.length > 0))];
    const bad = addresses.filter((a) => !isValidEmailAddress(a));
    if (bad.length > 0) {
      throw new DirectoryError(FailureReason.InvalidSetting, `Not a valid email address: ${bad.join(', ')}.`, {
        invalid: bad,
      });
    }
    result.adminEmails = addresses;
  }
  if (changes.rateLimit !== undefined && changes.rateLimit !== null) {
    const rate = changes.rateLimit;
    if (!Number.isInteger(rate) || rate < MIN_TENANT_RATE_LIMIT || rate > MAX_TENANT_RATE_LIMIT) {
      throw new DirectoryError(
        FailureReason.InvalidSetting,
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
    adminEmails: tenant.adminEmails,
    rateLimit: tenant.rateLimit,
  };
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
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
          adminEmails: valid.adminEmails ?? [],
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

  /**
   * Changes a tenant's settings. Changing its admin addresses ends every console session of the
   * tenant in the same transaction: whoever was let in by the old list signs in again.
   */
  async update(tenantId: string, changes: TenantChanges): Promise<TenantSettings> {
    const valid = validateTenantChanges(changes);
    return this.dataSource.transaction(async (manager) => {
      const tenant = isResourceId(tenantId)
        ? await manager
            .getRepository(TenantEntity)
            .findOne({ where: { id: tenantId }, lock: { mode: 'pessimistic_write' } })
        : null;
      if (!tenant) throw new DirectoryError(FailureReason.NotFound, `No tenant with id "${tenantId}".`);
      const adminsBefore = [...tenant.adminEmails].sort().join(',');
      if (valid.name !== undefined) tenant.name = valid.name.trim();
      if (valid.notifyEmail !== undefined) tenant.notifyEmail = valid.notifyEmail;
      if (valid.notifyOnFailure !== undefined) tenant.notifyOnFailure = valid.notifyOnFailure;
      if (valid.workDomains !== undefined) tenant.workDomains = valid.workDomains;
      if (valid.adminEmails !== undefined) tenant.adminEmails = valid.adminEmails;
      if (valid.rateLimit !== undefined) tenant.rateLimit = valid.rateLimit;
      if (tenant.notifyOnFailure && !tenant.notifyEmail) {
        throw new DirectoryError(
          FailureReason.InvalidSetting,
          'Notifications cannot be on without a notification email address.',
        );
      }
      const saved = await manager.getRepository(TenantEntity).save(tenant);
      if ([...saved.adminEmails].sort().join(',') !== adminsBefore) {
        await manager.query(`DELETE FROM admin_sessions WHERE tenant_id = $1`, [tenantId]);
      }
      return toSettings(saved);
    });
  }

  async list(): Promise<TenantSummary[]> {
    const rows: (Omit<TenantSummary, 'createdAt' | 'tokenLastUsedAt' | 'activeTokens'> & {
      createdAt: Date;
      tokenLastUsedAt: Date | null;
      activeTokens: string;
    })[] = await this.dataSource.query(`
        SELECT t.id, t.name, t.notify_email AS "notifyEmail", t.notify_on_failure AS "notifyOnFailure",
               t.work_domains AS "workDomains", t.admin_emails AS "adminEmails", t.rate_limit AS "rateLimit", t.created_at AS "createdAt",
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

  /**
   * Issues a new token from the console: the tenant's other live tokens either keep working for
   * `graceSeconds` (as rotateToken) or are revoked at once.
   */
  async issueToken(
    tenantId: string,
    options: { graceSeconds: number; revokeOthers: boolean },
  ): Promise<{ token: string; record: TokenRecord; othersExpireAt: string | null; othersRevoked: number }> {
    await this.findTenant(tenantId);
    const token = generateToken();
    return this.dataSource.transaction(async (manager) => {
      let othersExpireAt: string | null = null;
      let othersRevoked = 0;
      if (options.revokeOthers) {
        const revoked: unknown[] = await manager.query(
          `WITH revoked AS (UPDATE api_tokens SET revoked_at = now() WHERE tenant_id = $1 AND revoked_at IS NULL RETURNING id) SELECT id FROM revoked`,
          [tenantId],
        );
        othersRevoked = revoked.length;
      } else {
        const expiresAt = new Date(Date.now() + options.graceSeconds * 1000);
        const shortened: unknown[] = await manager.query(
          `WITH shortened AS (
             UPDATE api_tokens SET expires_at = $2
              WHERE tenant_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2) RETURNING id
           ) SELECT id FROM shortened`,
          [tenantId, expiresAt],
        );
        if (shortened.length > 0) othersExpireAt = expiresAt.toISOString();
      }
      const entity = await manager
        .getRepository(ApiTokenEntity)
        .save(manager.getRepository(ApiTokenEntity).create({ tenantId, tokenHash: hashToken(token) }));
      return {
        token,
        record: { id: entity.id, createdAt: entity.createdAt.toISOString(), lastUsedAt: null, expiresAt: null },
        othersExpireAt,
        othersRevoked,
      };
    });
  }

  /** The tenant's tokens that still work (live, or rotated out and in their grace period), newest first. */
  async liveTokens(tenantId: string): Promise<TokenRecord[]> {
    const rows = await this.tokens
      .createQueryBuilder('t')
      .where('t.tenant_id = :tenantId AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())', {
        tenantId,
      })
      .orderBy('t.created_at', 'DESC')
      .getMany();
    return rows.map((t) => ({
      id: t.id,
      createdAt: t.createdAt.toISOString(),
      lastUsedAt: iso(t.lastUsedAt),
      expiresAt: iso(t.expiresAt),
    }));
  }

  /** Revokes one token of this tenant by its id; false when the tenant has no such live token. */
  async revokeTokenById(tenantId: string, tokenId: string): Promise<boolean> {
    if (!isResourceId(tokenId)) return false;
    const result = await this.tokens.update(
      { id: tokenId, tenantId, revokedAt: IsNull() },
      { revokedAt: () => 'now()' },
    );
    return (result.affected ?? 0) > 0;
  }

  /** Entra's Test Connection was seen with this token: recorded at once (it is rare), with the token's use. */
  async recordTestConnection(tenantId: string, tokenId: string): Promise<void> {
    await this.dataSource.query(
      `WITH t AS (UPDATE tenants SET last_test_connection_at = now() WHERE id = $1)
       UPDATE api_tokens SET last_used_at = now() WHERE id = $2 AND tenant_id = $1`,
      [tenantId, tokenId],
    );
  }

  /** When the tenant's tokens were last used, and when Entra's Test Connection was last seen. */
  async connectionActivity(
    tenantId: string,
  ): Promise<{ lastRequestAt: string | null; lastTestConnectionAt: string | null }> {
    const rows: { last_request_at: Date | null; last_test_connection_at: Date | null }[] = await this.dataSource.query(
      `SELECT (SELECT max(last_used_at) FROM api_tokens WHERE tenant_id = t.id) AS last_request_at, t.last_test_connection_at
         FROM tenants t WHERE t.id = $1`,
      [tenantId],
    );
    const row = rows[0];
    return {
      lastRequestAt: iso(row?.last_request_at ?? null),
      lastTestConnectionAt: iso(row?.last_test_connection_at ?? null),
    };
  }

  /** Revokes one token (when given) or every token of the tenant; returns how many were revoked. */
  async revokeTokens(tenantId: string, token?: string): Promise<number> {
    await this.findTenant(tenantId);
    const where =
      token === undefined
        ? { tenantId, revokedAt: IsNull() }
        : { tenantId, revokedAt: IsNull(), tokenHash: hashToken(token) };
    const result = await this.tokens.update(where, { revokedAt: () => 'now()' });
    return result.affected ?? 0;
  }

  /**
   * The tenant a live token belongs to, with the tenant's own rate limit (null: the default), or
   * undefined for unknown, revoked and expired tokens.
   */
  async authenticate(
    token: string,
  ): Promise<{ tenantId: string; tokenId: string; rateLimit: number | null } | undefined> {
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

  /** Tenants that list this address as an admin (an address may administer several). */
  async tenantsAdministeredBy(address: string): Promise<{ id: string; name: string }[]> {
    return this.dataSource.query(`SELECT id, name FROM tenants WHERE $1 = ANY(admin_emails) ORDER BY name`, [
      address.trim().toLowerCase(),
    ]);
  }

  private async findTenant(tenantId: string): Promise<TenantEntity> {
    const tenant = isResourceId(tenantId) ? await this.tenants.findOneBy({ id: tenantId }) : null;
    if (!tenant) throw new DirectoryError(FailureReason.NotFound, `No tenant with id "${tenantId}".`);
    return tenant;
  }
}
