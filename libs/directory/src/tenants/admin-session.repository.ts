import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { hashToken } from './tenant.repository';

/** A sign-in link works for 15 minutes unless the operator asks for another lifetime. */
export const SIGN_IN_LINK_DEFAULT_TTL_MINUTES = 15;
/** A console session ends after 8 hours without a request from the admin… */
export const ADMIN_SESSION_IDLE_MINUTES = 8 * 60;
/** …and in any case a day after sign-in. */
export const ADMIN_SESSION_MAX_HOURS = 24;

export interface IssuedSignInLink {
  /** The secret that goes after `#` in the link; only its hash is stored. */
  secret: string;
  expiresAt: string;
}

export type SignInRefusal = 'used' | 'expired' | 'unknown';

export interface AdminSession {
  id: string;
  tenantId: string;
  tenantName: string;
  adminEmail: string | null;
  csrfToken: string;
}

function secret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/**
 * One-time sign-in links and console sessions. (UPDATE … RETURNING runs inside a CTE: TypeORM
 * answers a bare UPDATE with [rows, count] rather than rows.) Links and session cookies are 256-bit secrets of
 * which only the SHA-256 is stored; a link is spent by the single UPDATE that starts the session,
 * so two uses racing get one session. Sessions live server-side so that sign-out, an idle
 * timeout and a change of the tenant's admins (TenantRepository.update) end them at once.
 */
export class AdminSessionRepository {
  constructor(private readonly dataSource: DataSource) {}

  async issueLink(
    tenantId: string,
    options: { ttlMinutes?: number; sentTo?: string | null } = {},
  ): Promise<IssuedSignInLink> {
    const linkSecret = secret('sil');
    const ttlMinutes = options.ttlMinutes ?? SIGN_IN_LINK_DEFAULT_TTL_MINUTES;
    const rows: { expires_at: Date }[] = await this.dataSource.query(
      `INSERT INTO admin_sign_in_links (id, tenant_id, token_hash, sent_to, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::double precision * 60)) RETURNING expires_at`,
      [randomUUID(), tenantId, hashToken(linkSecret), options.sentTo ?? null, ttlMinutes],
    );
    return { secret: linkSecret, expiresAt: rows[0]!.expires_at.toISOString() };
  }

  /**
   * Spends a link and starts a session in one transaction. A link that was used, has expired or
   * never existed starts nothing and says which, so the page can tell the admin what to do.
   */
  async signIn(
    linkSecret: string,
  ): Promise<{ session: AdminSession; cookieSecret: string } | { refused: SignInRefusal }> {
    const linkHash = hashToken(linkSecret);
    return this.dataSource.transaction(async (manager) => {
      const spent: { tenant_id: string; sent_to: string | null }[] = await manager.query(
        `WITH spent AS (
           UPDATE admin_sign_in_links SET used_at = now()
            WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING tenant_id, sent_to
         ) SELECT tenant_id, sent_to FROM spent`,
        [linkHash],
      );
      const link = spent[0];
      if (!link) {
        const found: { used: boolean }[] = await manager.query(
          `SELECT used_at IS NOT NULL AS used FROM admin_sign_in_links WHERE token_hash = $1`,
          [linkHash],
        );
        return { refused: found[0] === undefined ? 'unknown' : found[0].used ? 'used' : 'expired' };
      }
      const cookieSecret = secret('ses');
      const csrfToken = randomBytes(32).toString('base64url');
      const id = randomUUID();
      const tenants: { name: string }[] = await manager.query(`SELECT name FROM tenants WHERE id = $1`, [
        link.tenant_id,
      ]);
      await manager.query(
        `INSERT INTO admin_sessions (id, tenant_id, token_hash, csrf_token, admin_email) VALUES ($1, $2, $3, $4, $5)`,
        [id, link.tenant_id, hashToken(cookieSecret), csrfToken, link.sent_to],
      );
      return {
        session: {
          id,
          tenantId: link.tenant_id,
          tenantName: tenants[0]?.name ?? '',
          adminEmail: link.sent_to,
          csrfToken,
        },
        cookieSecret,
      };
    });
  }

  /**
   * The live session a cookie secret belongs to. `touch` extends its idle timeout (requests the
   * admin made); the page's automatic refreshes pass false, so an open tab alone keeps no one in.
   */
  async find(cookieSecret: string, touch: boolean): Promise<AdminSession | undefined> {
    const rows: {
      id: string;
      tenant_id: string;
      tenant_name: string;
      admin_email: string | null;
      csrf_token: string;
    }[] = await this.dataSource.query(
      `WITH live AS (
         SELECT s.id FROM admin_sessions s
          WHERE s.token_hash = $1
            AND s.last_seen_at > now() - make_interval(mins => $2)
            AND s.created_at > now() - make_interval(hours => $3)
       ), touched AS (
         UPDATE admin_sessions SET last_seen_at = now() WHERE $4 AND id IN (SELECT id FROM live)
       )
       SELECT s.id, s.tenant_id, t.name AS tenant_name, s.admin_email, s.csrf_token
         FROM admin_sessions s JOIN tenants t ON t.id = s.tenant_id WHERE s.id IN (SELECT id FROM live)`,
      [hashToken(cookieSecret), ADMIN_SESSION_IDLE_MINUTES, ADMIN_SESSION_MAX_HOURS, touch],
    );
    const row = rows[0];
    return row
      ? {
          id: row.id,
          tenantId: row.tenant_id,
          tenantName: row.tenant_name,
          adminEmail: row.admin_email,
          csrfToken: row.csrf_token,
        }
      : undefined;
  }

  async end(sessionId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM admin_sessions WHERE id = $1`, [sessionId]);
  }

  /** Drops spent or expired links and ended sessions older than a day (housekeeping). */
  async purgeExpired(): Promise<void> {
    await this.dataSource.query(`DELETE FROM admin_sign_in_links WHERE expires_at < now() - interval '1 day'`);
    await this.dataSource.query(
      `DELETE FROM admin_sessions WHERE last_seen_at < now() - make_interval(mins => $1) OR created_at < now() - make_interval(hours => $2)`,
      [ADMIN_SESSION_IDLE_MINUTES, ADMIN_SESSION_MAX_HOURS],
    );
  }
}
