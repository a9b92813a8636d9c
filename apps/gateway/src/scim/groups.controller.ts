import { Body, Controller, Delete, Get, Headers, Param, Patch, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ScimAuthGuard } from '../auth/scim-auth.guard';
import { TenantId } from '../auth/tenant.decorator';
import { sendStream } from '../http/scim-answer';
import { ScimGroupsService } from './scim-groups.service';

type QueryParams = Record<string, string | undefined>;

@Controller('api/scim/Groups')
@UseGuards(ScimAuthGuard)
export class GroupsController {
  constructor(private readonly groups: ScimGroupsService) {}

  @Get()
  async list(@TenantId() tenantId: string, @Query() query: QueryParams, @Res({ passthrough: true }) reply: FastifyReply) {
    return sendStream(reply, await this.groups.list(tenantId, query));
  }

  @Get(':id')
  async get(@TenantId() tenantId: string, @Param('id') id: string, @Query() query: QueryParams, @Res({ passthrough: true }) reply: FastifyReply) {
    return sendStream(reply, await this.groups.get(tenantId, id, query));
  }

  @Post()
  async create(@TenantId() tenantId: string, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    return sendStream(reply, await this.groups.create(tenantId, body));
  }

  @Put(':id')
  async replace(@TenantId() tenantId: string, @Param('id') id: string, @Body() body: unknown, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    return sendStream(reply, await this.groups.replace(tenantId, id, body, ifMatch));
  }

  @Patch(':id')
  async patch(@TenantId() tenantId: string, @Param('id') id: string, @Body() body: unknown, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    return sendStream(reply, await this.groups.patch(tenantId, id, body, ifMatch));
  }

  @Delete(':id')
  async delete(@TenantId() tenantId: string, @Param('id') id: string, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    return sendStream(reply, await this.groups.delete(tenantId, id, ifMatch));
  }
}
