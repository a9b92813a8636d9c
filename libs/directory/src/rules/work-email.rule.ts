import { isJsonObject, type JsonObject, type JsonValue } from '@scim/scim';
import { DirectoryError } from '../directory-error';
import { FailureReason } from '@scim/queue';
import { isPersonalEmailDomain } from './personal-email-domains';

export interface IgnoredEmail {
  type: string | null;
  value: string | null;
  reason: string;
}

export interface WorkEmailOutcome {
  /** The user document with `emails` reduced to the one work email (or none). */
  user: JsonObject;
  workEmail: string | null;
  ignored: IgnoredEmail[];
}

/** Normalises a configured domain list entry: lower case, no leading `@` or dot. */
export function normalizeDomain(domain: string): string {
  return domain
    .trim()
    .toLowerCase()
    .replace(/^[@.]+/, '')
    .replace(/\.$/, '');
}

export function isValidDomain(domain: string): boolean {
  return /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/i.test(domain);
}

/** The address's domain, lower-cased, or undefined when the address is not a plausible email. */
function domainOf(address: string): string | undefined {
  const match = /^[^\s@]+@([^\s@]+)$/.exec(address);
  const domain = match?.[1]?.toLowerCase();
  return domain !== undefined && isValidDomain(domain) ? domain : undefined;
}

function describeRule(workDomains: readonly string[]): string {
  return workDomains.length > 0
    ? `only addresses in the tenant's work domains (${workDomains.join(', ')}) are saved`
    : 'the tenant has no work domains configured, so any company domain is accepted except personal mailbox providers';
}

/**
 * The platform's work-email rule (DESIGN.md §5): a user keeps one work email (the primary work
 * email, else the first), whose domain must be one of the tenant's work domains or a subdomain of
 * one; with no domains configured, any domain but personal mailbox providers. Emails of other
 * types are dropped and reported. A work email on a disallowed domain refuses the whole write.
 */
export interface WorkEmailRuleOptions {
  /**
   * The work email the user already has. It was accepted when it was written and is not judged
   * again, so that narrowing a tenant's domains does not block disabling its existing users.
   */
  alreadyAccepted?: string | null;
}

export function applyWorkEmailRule(
  user: JsonObject,
  configuredDomains: readonly string[],
  options: WorkEmailRuleOptions = {},
): WorkEmailOutcome {
  const workDomains = configuredDomains.map(normalizeDomain);
  const emails = Array.isArray(user['emails']) ? user['emails'].filter(isJsonObject) : [];
  const ignored: IgnoredEmail[] = [];
  const work: JsonObject[] = [];
  for (const email of emails) {
    const type = typeof email['type'] === 'string' ? email['type'] : null;
    const value = typeof email['value'] === 'string' ? email['value'] : null;
    if (type?.toLowerCase() !== 'work') {
      ignored.push({ type, value, reason: 'only work email addresses are saved' });
    } else if (value === null) {
      ignored.push({ type, value, reason: 'a work email without an address' });
    } else {
      work.push(email);
    }
  }
  const chosen = work.find((e) => e['primary'] === true) ?? work[0];
  for (const extra of work) {
    if (extra !== chosen)
      ignored.push({ type: 'work', value: extra['value'] as string, reason: 'a user keeps one work email' });
  }
  const result: JsonObject = { ...user };
  if (!chosen) {
    delete result['emails'];
    return { user: result, workEmail: null, ignored };
  }
  const address = (chosen['value'] as string).trim();
  const domain = domainOf(address);
  const unchanged = options.alreadyAccepted != null && options.alreadyAccepted.toLowerCase() === address.toLowerCase();
  const allowed =
    unchanged ||
    (domain !== undefined &&
      (workDomains.length > 0
        ? workDomains.some((d) => domain === d || domain.endsWith('.' + d))
        : !isPersonalEmailDomain(domain)));
  if (!allowed) {
    throw new DirectoryError(
      FailureReason.WorkEmailRejected,
      domain === undefined
        ? `The work email "${address}" is not a valid email address.`
        : `The work email "${address}" is not allowed: ${describeRule(workDomains)}. Add ${domain} to the tenant's work domains, or correct the user's mail attribute in Entra.`,
      { address, ...(domain === undefined ? {} : { domain }), workDomains: [...workDomains] },
    );
  }
  // The rule picks one address; `primary` and `display` are echoed as the client sent them.
  const saved: { [key: string]: JsonValue } = { value: address, type: 'work' };
  if (typeof chosen['primary'] === 'boolean') saved['primary'] = chosen['primary'];
  if (typeof chosen['display'] === 'string') saved['display'] = chosen['display'];
  result['emails'] = [saved];
  return { user: result, workEmail: address, ignored };
}
