import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { parseSearchRequest } from '@scim/scim';
import type { FastifyReply } from 'fastify';
import { ConnectionTestRecorder } from '../admin/connection-test.recorder';
import { ScimAuthGuard, type ScimRequest } from '../auth/scim-auth.guard';
import { Caller, TenantId } from '../auth/tenant.decorator';
import { sendAnswer } from '../http/scim-answer';
import { ScimUsersService } from './scim-users.service';

type QueryParams = Record<string, string | undefined>;

@Controller('api/scim/Users')
@UseGuards(ScimAuthGuard)
export class UsersController {
  constructor(
    private readonly users: ScimUsersService,
    private readonly connectionTests: ConnectionTestRecorder,
  ) {}

  @Get()
  list(@TenantId() tenantId: string, @Query() query: QueryParams, @Req() request: ScimRequest) {
    this.connectionTests.observe(request.tenant, query['filter']);
    return this.users.list(tenantId, query);
  }

  @Post('.search')
  @HttpCode(200)
  search(@TenantId() tenantId: string, @Body() body: unknown) {
    return this.users.search(tenantId, parseSearchRequest(body));
  }

  @Get(':id')
  async get(
    @TenantId() tenantId: string,
    @Param('id') id: string,
    @Query() query: QueryParams,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendAnswer(reply, await this.users.get(tenantId, id, query, ifNoneMatch));
  }

  @Post()
  async create(
    @Caller() caller: Caller,
    @Body() body: unknown,
    @Query() query: QueryParams,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendAnswer(reply, await this.users.create(caller, body, query));
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
    return sendAnswer(reply, await this.users.replace(caller, id, body, ifMatch, query));
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
    return sendAnswer(reply, await this.users.patch(caller, id, body, ifMatch, query));
  }

  @Delete(':id')
  async delete(
    @Caller() caller: Caller,
    @Param('id') id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return sendAnswer(reply, await this.users.delete(caller, id, ifMatch));
  }
}
