import { Body, Controller, Post, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { parseSearchRequest } from '@scim/scim';
import { ScimAuthGuard } from '../auth/scim-auth.guard';
import { TenantId } from '../auth/tenant.decorator';
import { sendStream } from '../http/scim-answer';
import { ScimSearchService } from './scim-search.service';

/** `POST /api/scim/.search`: one query across Users and Groups (RFC 7644 §3.4.3). */
@Controller('api/scim')
@UseGuards(ScimAuthGuard)
export class RootSearchController {
  constructor(private readonly search: ScimSearchService) {}

  @Post('.search')
  async searchAll(
    @TenantId() tenantId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendStream(reply, await this.search.searchAll(tenantId, parseSearchRequest(body)));
  }
}
