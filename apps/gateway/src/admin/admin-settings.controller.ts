import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, UseFilters, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import type { NotificationSettings, TestEmailQueued, TestEmailState, WorkDomains } from '@scim/admin-api';
import { TenantRepository, type AdminSession } from '@scim/directory';
import { DigestHistoryRepository } from '@scim/notifications';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { AdminApiException, notFound } from './admin-api.error';
import { AdminExceptionFilter } from './admin-exception.filter';
import { Session } from './admin-session.decorator';
import { AdminSessionGuard } from './admin-session.guard';
import { ConsoleMailClient } from './console-mail.client';

const NotificationsBody = z.object({ email: z.string().trim().max(254).nullable(), enabled: z.boolean() });
const DomainsBody = z.object({ domains: z.array(z.string().max(300)).max(500) });

/** The Notifications and Work domains pages. */
@Controller('admin/api')
@UseGuards(AdminSessionGuard)
@UseFilters(AdminExceptionFilter)
export class AdminSettingsController {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly digests: DigestHistoryRepository,
    private readonly mail: ConsoleMailClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get('notifications')
  async notifications(@Session() session: AdminSession): Promise<NotificationSettings> {
    const [tenant, latestDigest] = await Promise.all([
      this.tenants.get(session.tenantId),
      this.digests.latest(session.tenantId),
    ]);
    return { email: tenant.notifyEmail, enabled: tenant.notifyOnFailure, latestDigest };
  }

  @Put('notifications')
  async saveNotifications(@Session() session: AdminSession, @Body() body: unknown): Promise<NotificationSettings> {
    const changes = NotificationsBody.parse(body);
    const email = changes.email === null || changes.email === '' ? null : changes.email;
    if (changes.enabled && email === null)
      throw new AdminApiException(400, 'Enter a notification email to turn failure emails on.');
    await this.tenants.update(session.tenantId, { notifyEmail: email, notifyOnFailure: changes.enabled });
    return this.notifications(session);
  }

  /** A real email through the notifier's SMTP settings to the saved notification email. */
  @Post('notifications/test')
  @HttpCode(202)
  async sendTestEmail(@Session() session: AdminSession): Promise<TestEmailQueued> {
    const tenant = await this.tenants.get(session.tenantId);
    if (!tenant.notifyEmail)
      throw new AdminApiException(400, 'Save a notification email first, then send the test email to it.');
    const id = await this.mail.sendTestEmail({
      tenantId: tenant.id,
      tenantName: tenant.name,
      to: tenant.notifyEmail,
      requestedBy: session.adminEmail,
      requestedAt: new Date().toISOString(),
      consoleUrl: `${this.config.publicUrl}/admin`,
    });
    return { id, to: tenant.notifyEmail };
  }

  @Get('notifications/test/:id')
  async testEmailState(@Session() session: AdminSession, @Param('id') id: string): Promise<TestEmailState> {
    const sent = /^[0-9a-f-]{36}$/i.test(id) ? await this.mail.testEmail(id) : undefined;
    if (!sent || sent.data.tenantId !== session.tenantId) throw notFound('This test email');
    return { id, to: sent.data.to, state: sent.state, error: sent.error };
  }

  @Get('domains')
  async domains(@Session() session: AdminSession): Promise<WorkDomains> {
    return { domains: (await this.tenants.get(session.tenantId)).workDomains };
  }

  @Put('domains')
  async saveDomains(@Session() session: AdminSession, @Body() body: unknown): Promise<WorkDomains> {
    const { domains } = DomainsBody.parse(body);
    return { domains: (await this.tenants.update(session.tenantId, { workDomains: domains })).workDomains };
  }
}
