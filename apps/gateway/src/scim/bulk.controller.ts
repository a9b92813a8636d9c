import { Body, Controller, Headers, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ScimAuthGuard } from '../auth/scim-auth.guard';
import { Caller } from '../auth/tenant.decorator';
import { ScimBulkService } from './scim-bulk.service';

/** RFC 7644 §3.7: the BulkResponse is a 200 whatever the operations' own statuses. */
@Controller('api/scim/Bulk')
@UseGuards(ScimAuthGuard)
export class BulkController {
  constructor(private readonly bulk: ScimBulkService) {}

  @Post()
  @HttpCode(200)
  run(@Caller() caller: Caller, @Body() body: unknown, @Headers('content-length') contentLength: string | undefined) {
    return this.bulk.run(caller, body, contentLength);
  }
}
