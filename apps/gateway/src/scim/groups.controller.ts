import { Body, Controller, Delete, Get, Headers, Param, Patch, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ScimAuthGuard } from '../auth/scim-auth.guard';
import { Caller, TenantId } from '../auth/tenant.decorator';
import { sendStream } from '../http/scim-answer';
import { parseSearchRequest } from '@scim/scim';
import { ScimGroupsService } from './scim-groups.service';

type QueryParams = Record<string, string | undefined>;

@Controller('api/scim/Groups')
@UseGuards(ScimAuthGuard)
export class GroupsController {
  constructor(private readonly groups: ScimGroupsService) {}

  @Get()
  async list(
    @TenantId() tenantId: string,
    @Query() query: QueryParams,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendStream(reply, await this.groups.list(tenantId, query));
  }

  @Post('.search')
  async search(@TenantId() tenantId: string, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    return sendStream(reply, await this.groups.search(tenantId, parseSearchRequest(body)));
  }

  @Get(':id')
  async get(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Query() query: QueryParams,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendStream(reply, await this.groups.get(tenantId, id, query, ifNoneMatch));
  }

  @Post()
  async create(
    @Caller() caller: Caller,
    @Body() body: unknown,
    @Query() query: QueryParams,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendStream(reply, await this.groups.create(caller, body, query));
  }

  @Put(':id')
  async replace(
    @Caller() caller: Caller,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Query() query: QueryParams,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendStream(reply, await this.groups.replace(caller, id, body, ifMatch, query));
  }

  @Patch(':id')
  async patch(
    @Caller() caller: Caller,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('if-match') ifMatch: string | undefined,
    @Query() query: QueryParams,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendStream(reply, await this.groups.patch(caller, id, body, ifMatch, query));
  }

  @Delete(':id')
  async delete(
    @Caller() caller: Caller,
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendStream(reply, await this.groups.delete(caller, id, ifMatch));
  }
}
