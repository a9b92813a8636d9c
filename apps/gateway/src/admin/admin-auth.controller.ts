import { Body, Controller, Get, HttpCode, Inject, Logger, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { SessionInfo } from '@scim/admin-api';
import {
  ADMIN_SESSION_IDLE_MINUTES,
  AdminSessionRepository,
  SIGN_IN_LINK_DEFAULT_TTL_MINUTES,
  TenantRepository,
  isValidEmailAddress,
  type AdminSession,
} from '@scim/directory';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { AdminApiException } from './admin-api.error';
import { clearedSessionCookie, sessionCookie } from './admin-cookie';
import { AdminExceptionFilter } from './admin-exception.filter';
import { Session } from './admin-session.decorator';
import { AdminSessionGuard, assertSameOrigin, type AdminRequest } from './admin-session.guard';
import { ConsoleMailClient } from './console-mail.client';
import { SignInRateLimiter } from './sign-in-rate.limiter';

const SignInBody = z.object({ link: z.string().trim().min(1).max(300) });
const LinkRequestBody = z.object({ email: z.string().trim().max(254) });

const REFUSALS = {
  used: 'This sign-in link has already been used: each link works once. Ask for a new link below, or ask your operator for one.',
  expired: `This sign-in link has expired: links work for ${SIGN_IN_LINK_DEFAULT_TTL_MINUTES} minutes. Ask for a new link below, or ask your operator for one.`,
  unknown:
    'This sign-in link is not valid. Make sure you opened the whole link from the email, or ask for a new link below.',
} as const;

export function sessionInfo(session: AdminSession): SessionInfo {
  return {
    tenant: { id: session.tenantId, name: session.tenantName },
    signedInAs: session.adminEmail,
    csrfToken: session.csrfToken,
    idleMinutes: ADMIN_SESSION_IDLE_MINUTES,
  };
}

/** Password-less sign-in: one-time links (from the CLI or emailed on request), sessions, sign-out. */
@Controller('admin/api')
@UseFilters(AdminExceptionFilter)
export class AdminAuthController {
  private readonly logger = new Logger('AdminConsole');
  private readonly secureCookie: boolean;

  constructor(
    private readonly sessions: AdminSessionRepository,
    private readonly tenants: TenantRepository,
    private readonly mail: ConsoleMailClient,
    private readonly limiter: SignInRateLimiter,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.secureCookie = config.publicUrl.startsWith('https:');
  }

  /** Spends a sign-in link (the secret after `#`) and starts a session in an HttpOnly cookie. */
  @Post('sign-in')
  @HttpCode(200)
  async signIn(
    @Body() body: unknown,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SessionInfo> {
    assertSameOrigin(request, this.config.publicUrl);
    const { link } = SignInBody.parse(body);
    const result = await this.sessions.signIn(link.replace(/^#/, ''));
    if ('refused' in result)
      throw new AdminApiException(result.refused === 'unknown' ? 400 : 410, REFUSALS[result.refused], {
        reason: result.refused,
      });
    reply
      .header('Set-Cookie', sessionCookie(result.cookieSecret, this.secureCookie))
      .header('Cache-Control', 'no-store');
    return sessionInfo(result.session);
  }

  /**
   * "Email me a sign-in link". The answer is the same, and comes as fast, whether or not the
   * address is an admin's: the lookup and the email happen after it.
   */
  @Post('sign-in/request')
  @HttpCode(202)
  async requestLink(@Body() body: unknown, @Req() request: AdminRequest): Promise<{ message: string }> {
    assertSameOrigin(request, this.config.publicUrl);
    const address = LinkRequestBody.parse(body).email.toLowerCase();
    if (!isValidEmailAddress(address))
      throw new AdminApiException(400, 'Enter your email address, for example it-admin@contoso.com.');
    await this.limiter.consume(request.ip, address);
    setImmediate(() => void this.sendLinks(address));
    return {
      message: `If ${address} is an admin address of a tenant, a sign-in link is on its way to it. The link works once, for ${SIGN_IN_LINK_DEFAULT_TTL_MINUTES} minutes.`,
    };
  }

  @Get('session')
  @UseGuards(AdminSessionGuard)
  session(@Session() session: AdminSession): SessionInfo {
    return sessionInfo(session);
  }

  @Post('sign-out')
  @HttpCode(204)
  @UseGuards(AdminSessionGuard)
  async signOut(@Session() session: AdminSession, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.sessions.end(session.id);
    reply.header('Set-Cookie', clearedSessionCookie(this.secureCookie));
  }

  private async sendLinks(address: string): Promise<void> {
    try {
      const tenants = await this.tenants.tenantsAdministeredBy(address);
      if (tenants.length === 0) return;
      const links = await Promise.all(
        tenants.map(async (tenant) => {
          const link = await this.sessions.issueLink(tenant.id, { sentTo: address });
          return {
            tenantName: tenant.name,
            url: `${this.config.publicUrl}/admin/sign-in#${link.secret}`,
            expiresAt: link.expiresAt,
          };
        }),
      );
      await this.mail.sendSignInLinks({ to: address, links });
    } catch (error) {
      this.logger.warn(`Could not send a sign-in link: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
