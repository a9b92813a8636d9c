import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, UseFilters, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import type { ConnectionInfo, GeneratedToken } from '@scim/admin-api';
import { DEFAULT_TOKEN_GRACE_HOURS, TenantRepository, type AdminSession } from '@scim/directory';
import { GATEWAY_CONFIG, scimBaseUrl, type GatewayConfig } from '../config/gateway.config';
import { notFound } from './admin-api.error';
import { AdminExceptionFilter } from './admin-exception.filter';
import { Session } from './admin-session.decorator';
import { AdminSessionGuard } from './admin-session.guard';

const GenerateTokenBody = z.object({ revokeOthers: z.boolean().default(false) }).default({ revokeOthers: false });

/** The Connection page: Tenant URL, tokens (generate, revoke), and what was last seen from Entra. */
@Controller('admin/api')
@UseGuards(AdminSessionGuard)
@UseFilters(AdminExceptionFilter)
export class AdminConnectionController {
  constructor(
    private readonly tenants: TenantRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get('connection')
  async connection(@Session() session: AdminSession): Promise<ConnectionInfo> {
    const [tokens, activity] = await Promise.all([
      this.tenants.liveTokens(session.tenantId),
      this.tenants.connectionActivity(session.tenantId),
    ]);
    return { tenantUrl: scimBaseUrl(this.config), tokens, ...activity };
  }

  /** A new token, shown once. Other tokens keep working for the grace period unless revoked now. */
  @Post('tokens')
  @HttpCode(201)
  async generate(@Session() session: AdminSession, @Body() body: unknown): Promise<GeneratedToken> {
    const { revokeOthers } = GenerateTokenBody.parse(body ?? undefined);
    const issued = await this.tenants.issueToken(session.tenantId, {
      revokeOthers,
      graceSeconds: DEFAULT_TOKEN_GRACE_HOURS * 3600,
    });
    return {
      token: issued.token,
      info: issued.record,
      othersExpireAt: issued.othersExpireAt,
      othersRevoked: issued.othersRevoked,
    };
  }

  @Delete('tokens/:id')
  @HttpCode(204)
  async revoke(@Session() session: AdminSession, @Param('id') id: string): Promise<void> {
    if (!(await this.tenants.revokeTokenById(session.tenantId, id))) throw notFound('This token');
  }
}
