import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigError, loadEnv } from '@scim/config';
import type { DataSource } from 'typeorm';
import {
  AdminSessionRepository,
  DEFAULT_TOKEN_GRACE_HOURS,
  DirectoryError,
  MIN_TENANT_RATE_LIMIT,
  OperationRepository,
  SIGN_IN_LINK_DEFAULT_TTL_MINUTES,
  TenantRepository,
  createDirectoryDataSource,
  type TenantChanges,
} from '@scim/directory';
import { NotificationStore } from '@scim/notifications';

const USAGE = `Usage: npm run tenant -- <command> [options]
  create --name NAME [--notify EMAIL] [--notifications on|off] [--domains a.com,b.com] [--admins a@x.com,b@y.com]
  list
  set --tenant ID [--name NAME] [--notify EMAIL|none] [--notifications on|off] [--domains a.com,b.com|none] [--admins a@x.com,b@y.com|none]
      [--rate-limit N|default]                 (requests per second, at least ${MIN_TENANT_RATE_LIMIT}; default: RATE_LIMIT_PER_SECOND)
  admin-link --tenant ID [--ttl-minutes N]     (a one-time sign-in link to the admin console, default ${SIGN_IN_LINK_DEFAULT_TTL_MINUTES} minutes)
  rotate-token --tenant ID [--grace-hours N]   (old tokens keep working N hours, default ${DEFAULT_TOKEN_GRACE_HOURS}, at most 720)
  revoke-token --tenant ID [--token TOKEN]     (one token, or every token of the tenant)
  log --tenant ID [--failed] [--limit N]       (the operations log, newest first; default 50)
  digests --tenant ID [--limit N]              (failure emails: state, attempts, last SMTP error; newest first)`;

/** A rotated-out token that works for months is not rotated out: 30 days at most. */
const MAX_GRACE_HOURS = 720;

class UsageError extends Error {}

const OPTIONS = {
  name: { type: 'string' },
  notify: { type: 'string' },
  notifications: { type: 'string' },
  domains: { type: 'string' },
  admins: { type: 'string' },
  'ttl-minutes': { type: 'string' },
  tenant: { type: 'string' },
  token: { type: 'string' },
  'grace-hours': { type: 'string' },
  failed: { type: 'boolean' },
  limit: { type: 'string' },
  'rate-limit': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Options = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

function onOff(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new UsageError(`--notifications takes "on" or "off", not "${value}"`);
}

/** A comma-separated list option; "none" or empty clears the list. */
function domainList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '' || value === 'none') return [];
  return value.split(',');
}

function rateLimit(value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'default') return null;
  if (!/^\d+$/.test(value))
    throw new UsageError(
      `--rate-limit takes a whole number of requests per second (at least ${MIN_TENANT_RATE_LIMIT}) or "default", not "${value}"`,
    );
  return Number(value);
}

function limitOption(options: Options): number {
  const limit = options.limit === undefined ? 50 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10000)
    throw new UsageError('--limit takes a whole number from 1 to 10000');
  return limit;
}

function required(options: Options, name: 'name' | 'tenant'): string {
  const value = options[name];
  if (value === undefined || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value;
}

function changesFrom(options: Options): TenantChanges {
  const changes: TenantChanges = {};
  if (options.name !== undefined) changes.name = options.name;
  if (options.notify !== undefined)
    changes.notifyEmail = options.notify === 'none' || options.notify === '' ? null : options.notify;
  const notifications = onOff(options.notifications);
  if (notifications !== undefined) changes.notifyOnFailure = notifications;
  const domains = domainList(options.domains);
  if (domains !== undefined) changes.workDomains = domains;
  const admins = domainList(options.admins);
  if (admins !== undefined) changes.adminEmails = admins;
  const rate = rateLimit(options['rate-limit']);
  if (rate !== undefined) changes.rateLimit = rate;
  return changes;
}

function allowOnly(options: Options, command: string, allowed: (keyof Options)[]): void {
  const extra = (Object.keys(options) as (keyof Options)[]).filter((k) => k !== 'help' && !allowed.includes(k));
  if (extra.length > 0) throw new UsageError(`${command} does not take --${extra.join(', --')}`);
}

/** How long a sign-in link from the CLI may be valid: at most a day. */
const MAX_LINK_TTL_MINUTES = 24 * 60;

async function run(
  command: string | undefined,
  options: Options,
  dataSource: DataSource,
  publicUrl: string,
): Promise<unknown[]> {
  const scimUrl = `${publicUrl}/api/scim`;
  const tenants = new TenantRepository(dataSource);
  switch (command) {
    case 'create': {
      allowOnly(options, command, ['name', 'notify', 'notifications', 'domains', 'admins']);
      const changes = changesFrom(options);
      const name = required(options, 'name');
      if (changes.notifyOnFailure === true && !changes.notifyEmail)
        throw new UsageError('--notifications on needs --notify EMAIL');
      const { tenant, token } = await tenants.create({ ...changes, name });
      return [{ tenantId: tenant.id, token, scimUrl }];
    }
    case 'list':
      allowOnly(options, command, []);
      return tenants.list();
    case 'set': {
      allowOnly(options, command, ['tenant', 'name', 'notify', 'notifications', 'domains', 'admins', 'rate-limit']);
      const tenantId = required(options, 'tenant');
      const changes = changesFrom(options);
      if (Object.keys(changes).length === 0)
        throw new UsageError(
          'set needs at least one of --name, --notify, --notifications, --domains, --admins, --rate-limit',
        );
      return [await tenants.update(tenantId, changes)];
    }
    case 'rotate-token': {
      allowOnly(options, command, ['tenant', 'grace-hours']);
      const tenantId = required(options, 'tenant');
      const graceHours =
        options['grace-hours'] === undefined ? DEFAULT_TOKEN_GRACE_HOURS : Number(options['grace-hours']);
      if (!Number.isFinite(graceHours) || graceHours < 0 || graceHours > MAX_GRACE_HOURS) {
        throw new UsageError(
          `--grace-hours takes a number of hours from 0 to ${MAX_GRACE_HOURS} (30 days), got "${options['grace-hours']}"`,
        );
      }
      const { token, oldTokensExpireAt } = await tenants.rotateToken(tenantId, graceHours * 3600);
      return [{ tenantId, token, scimUrl, oldTokensExpireAt }];
    }
    case 'revoke-token': {
      allowOnly(options, command, ['tenant', 'token']);
      const tenantId = required(options, 'tenant');
      return [{ tenantId, revoked: await tenants.revokeTokens(tenantId, options.token) }];
    }
    case 'admin-link': {
      allowOnly(options, command, ['tenant', 'ttl-minutes']);
      const tenantId = required(options, 'tenant');
      const ttl =
        options['ttl-minutes'] === undefined ? SIGN_IN_LINK_DEFAULT_TTL_MINUTES : Number(options['ttl-minutes']);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_LINK_TTL_MINUTES)
        throw new UsageError(`--ttl-minutes takes a whole number from 1 to ${MAX_LINK_TTL_MINUTES}`);
      await tenants.get(tenantId);
      const link = await new AdminSessionRepository(dataSource).issueLink(tenantId, { ttlMinutes: ttl });
      // The secret rides in the fragment: browsers never send it to a server or in a Referer.
      return [{ url: `${publicUrl}/admin/sign-in#${link.secret}` }];
    }
    case 'log': {
      allowOnly(options, command, ['tenant', 'failed', 'limit']);
      const tenantId = required(options, 'tenant');
      const limit = limitOption(options);
      await tenants.get(tenantId);
      return new OperationRepository(dataSource).recent(tenantId, { failedOnly: options.failed === true, limit });
    }
    case 'digests': {
      allowOnly(options, command, ['tenant', 'limit']);
      const tenantId = required(options, 'tenant');
      const limit = limitOption(options);
      await tenants.get(tenantId);
      return new NotificationStore(dataSource).digests(tenantId, limit);
    }
    case undefined:
      throw new UsageError('a command is required');
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function main(argv: string[]): Promise<number> {
  let parsed: { positionals: string[]; values: Options };
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    console.error(`tenant: ${(error as Error).message.replace(/\s*\n\s*/g, ' ')} (see --help)`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  const [command, ...rest] = parsed.positionals;
  if (rest.length > 0) {
    console.error(`tenant: unexpected argument "${rest[0]}" (see --help)`);
    return 2;
  }
  let env: { DATABASE_URL: string; PUBLIC_URL: string };
  try {
    env = loadEnv(['DATABASE_URL', 'PUBLIC_URL']);
  } catch (error) {
    console.error(`tenant: ${(error as ConfigError).message}`);
    return 2;
  }
  const dataSource = createDirectoryDataSource({
    url: env.DATABASE_URL,
    poolSize: 1,
    applicationName: 'scim-tenant-cli',
  });
  try {
    await dataSource.initialize();
    const lines = await run(command, parsed.values, dataSource, env.PUBLIC_URL);
    for (const line of lines) console.log(JSON.stringify(line));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`tenant: ${error.message} (see --help)`);
      return 2;
    }
    if (error instanceof DirectoryError) {
      console.error(`tenant: ${error.detail}`);
      return 1;
    }
    const code = (error as { code?: string }).code;
    if (code === '42P01') console.error('tenant: the database has no tables yet: run "npm run migrate" first');
    else if (code === '3D000') console.error('tenant: the database does not exist: run "npm run migrate" first');
    else console.error(`tenant: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
