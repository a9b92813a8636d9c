/**
 * The admin console's JSON API (`/admin/api/*`): the shapes the gateway answers and the web page
 * reads. Types only, so that the page's bundle carries none of the server's code.
 */

/** Every error of the admin API: a message a person can act on, and for a form the bad values. */
export interface AdminApiError {
  status: number;
  error: string;
  /** Values the form should mark as invalid (e.g. domains that are not domains). */
  invalid?: string[];
  /** Why a sign-in link was refused. */
  reason?: 'used' | 'expired' | 'unknown';
}

export interface SessionInfo {
  tenant: { id: string; name: string };
  /** The admin address the link was emailed to; null when the operator's CLI issued it. */
  signedInAs: string | null;
  /** Send it back as the `X-CSRF-Token` header on every POST, PUT and DELETE. */
  csrfToken: string;
  /** The session ends after this much inactivity. */
  idleMinutes: number;
}

export interface SignInRequest {
  link: string;
}

export interface LinkRequest {
  email: string;
}

export interface TokenInfo {
  id: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** Set while a rotated-out token is in its grace period. */
  expiresAt: string | null;
}

export interface ConnectionInfo {
  tenantUrl: string;
  tokens: TokenInfo[];
  /** The last request any of the tenant's tokens made (recorded about once a minute). */
  lastRequestAt: string | null;
  /** The last `GET /Users?filter=userName eq "<random guid>"`, Entra's Test Connection. */
  lastTestConnectionAt: string | null;
}

export interface GenerateTokenRequest {
  revokeOthers: boolean;
}

export interface GeneratedToken {
  /** Shown once; only its hash is stored. */
  token: string;
  info: TokenInfo;
  /** When the tenant's other tokens stop working; null when they were revoked at once (or there were none). */
  othersExpireAt: string | null;
  othersRevoked: number;
}

export interface DigestState {
  status: 'sending' | 'retrying' | 'sent' | 'undeliverable';
  recipient: string;
  failureCount: number;
  createdAt: string;
  sentAt: string | null;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
}

export interface NotificationSettings {
  email: string | null;
  enabled: boolean;
  latestDigest: DigestState | null;
}

export interface NotificationChanges {
  email: string | null;
  enabled: boolean;
}

export interface TestEmailQueued {
  id: string;
  to: string;
}

export interface TestEmailState {
  id: string;
  to: string;
  state: 'queued' | 'sent' | 'failed';
  error: string | null;
}

export interface WorkDomains {
  domains: string[];
}

export type ResourceFilter = 'all' | 'User' | 'Group';

export interface ActivityItem {
  id: string;
  at: string;
  /** "create user", "update group", … */
  operation: string;
  resourceType: 'User' | 'Group';
  resourceId: string | null;
  /** userName or displayName as the client sent it. */
  name: string | null;
  externalId: string | null;
  outcome: 'succeeded' | 'failed';
  status: number;
  /** Short label of why it failed, e.g. "work email on a domain that is not allowed". */
  reason: string | null;
  detail: string | null;
  /** What to do about a failure: the same text as the failure email. */
  advice: string | null;
  /** Remarks on an accepted write, in words (e.g. emails that were not saved). */
  notes: string[];
  /** For failures: not emailed, waiting, emailed, or undeliverable. */
  notification: 'pending' | 'gathered' | 'sent' | 'undeliverable' | null;
  notifiedAt: string | null;
}

export interface ActivityPage {
  items: ActivityItem[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export interface ActivitySummary {
  users: number;
  groups: number;
  writes24h: number;
  failures24h: number;
  /** One entry per hour of the last 7 days, oldest first (168 entries). */
  hourly: { hour: string; writes: number; failures: number }[];
}
