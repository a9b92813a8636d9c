import { Injectable, type OnApplicationShutdown, type OnModuleInit, type Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ActivityRepository, AdminSessionRepository } from '@scim/directory';
import { DigestHistoryRepository } from '@scim/notifications';
import { AdminActivityController } from './admin-activity.controller';
import { AdminAuthController } from './admin-auth.controller';
import { AdminConnectionController } from './admin-connection.controller';
import { AdminExceptionFilter } from './admin-exception.filter';
import { AdminFallbackController } from './admin-fallback.controller';
import { AdminAssets, AdminPageController } from './admin-page.controller';
import { AdminSessionGuard } from './admin-session.guard';
import { AdminSettingsController } from './admin-settings.controller';
import { ConnectionTestRecorder } from './connection-test.recorder';
import { ConsoleMailClient } from './console-mail.client';
import { SignInRateLimiter } from './sign-in-rate.limiter';

const HOUSEKEEPING_INTERVAL_MS = 3600_000;

/** Drops expired sign-in links and sessions once an hour (they are refused anyway; this keeps the tables small). */
@Injectable()
class AdminHousekeeping implements OnModuleInit, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;

  constructor(private readonly sessions: AdminSessionRepository) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.sessions.purgeExpired().catch(() => undefined), HOUSEKEEPING_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}

/** The admin console: its page, its JSON API under /admin/api, and what they need. */
export const ADMIN_CONTROLLERS = [
  AdminPageController,
  AdminAuthController,
  AdminConnectionController,
  AdminSettingsController,
  AdminActivityController,
  // Last: it answers every /admin/api path the others do not.
  AdminFallbackController,
];

export const ADMIN_PROVIDERS: Provider[] = [
  {
    provide: AdminSessionRepository,
    useFactory: (ds: DataSource) => new AdminSessionRepository(ds),
    inject: [DataSource],
  },
  { provide: ActivityRepository, useFactory: (ds: DataSource) => new ActivityRepository(ds), inject: [DataSource] },
  {
    provide: DigestHistoryRepository,
    useFactory: (ds: DataSource) => new DigestHistoryRepository(ds),
    inject: [DataSource],
  },
  AdminAssets,
  AdminSessionGuard,
  AdminExceptionFilter,
  AdminHousekeeping,
  ConsoleMailClient,
  SignInRateLimiter,
  ConnectionTestRecorder,
];
