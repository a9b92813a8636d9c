import { Body, Controller, Delete, Get, Headers, Param, Patch, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ScimAuthGuard } from '../auth/scim-auth.guard';
import { TenantId } from '../auth/tenant.decorator';
import { sendAnswer } from '../http/scim-answer';
import { ScimUsersService } from './scim-users.service';

type QueryParams = Record<string, string | undefined>;

@Controller('api/scim/Users')
@UseGuards(ScimAuthGuard)
export class UsersController {
  constructor(private readonly users: ScimUsersService) {}

  @Get()
  list(@TenantId() tenantId: string, @Query() query: QueryParams) {
    return this.users.list(tenantId, query);
  }

  @Get(':id')
  async get(@TenantId() tenantId: string, @Param('id') id: string, @Query() query: QueryParams, @Res({ passthrough: true }) reply: FastifyReply) {
    return sendAnswer(reply, await this.users.get(tenantId, id, query));
  }

  @Post()
  async create(@TenantId() tenantId: string, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    return sendAnswer(reply, await this.users.create(tenantId, body));
  }

  @Put(':id')
  async replace(@TenantId() tenantId: string, @Param('id') id: string, @Body() body: unknown, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    return sendAnswer(reply, await this.users.replace(tenantId, id, body, ifMatch));
  }

  @Patch(':id')
  async patch(@TenantId() tenantId: string, @Param('id') id: string, @Body() body: unknown, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    return sendAnswer(reply, await this.users.patch(tenantId, id, body, ifMatch));
  }

  @Delete(':id')
  async delete(@TenantId() tenantId: string, @Param('id') id: string, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    return sendAnswer(reply, await this.users.delete(tenantId, id, ifMatch));
  }
}
