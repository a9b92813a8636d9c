import { Controller, Get, Param, Query, UseFilters, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import type { ActivityItem, ActivityPage, ActivitySummary } from '@scim/admin-api';
import { ActivityRepository, type AdminSession } from '@scim/directory';
import { notFound } from './admin-api.error';
import { AdminExceptionFilter } from './admin-exception.filter';
import { Session } from './admin-session.decorator';
import { AdminSessionGuard } from './admin-session.guard';
import { toActivityItem } from './activity.presenter';

const PAGE_SIZE = 25;
const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be an id from the console');

const ActivityQuery = z.object({
  failed: z.enum(['true', 'false']).optional(),
  type: z.enum(['all', 'User', 'Group']).optional(),
  q: z.string().max(200).optional(),
  digest: uuid.optional(),
  before: uuid.optional(),
  limit: z.coerce.number().int().min(1).max(100).optional(),
});

/** The Activity page: the operations log (newest first, paged, filtered), counts and the hourly chart. */
@Controller('admin/api/activity')
@UseGuards(AdminSessionGuard)
@UseFilters(AdminExceptionFilter)
export class AdminActivityController {
  constructor(private readonly activity: ActivityRepository) {}

  @Get()
  async page(
    @Session() session: AdminSession,
    @Query() query: Record<string, string | undefined>,
  ): Promise<ActivityPage> {
    const q = ActivityQuery.parse(query);
    const limit = q.limit ?? PAGE_SIZE;
    // One more than asked for tells whether there is an older page.
    const rows = await this.activity.page(session.tenantId, {
      failedOnly: q.failed === 'true',
      resourceType: q.type === 'User' || q.type === 'Group' ? q.type : undefined,
      search: q.q,
      digestId: q.digest,
      before: q.before,
      limit: limit + 1,
    });
    const items = rows.slice(0, limit).map(toActivityItem);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
  }

  @Get('summary')
  summary(@Session() session: AdminSession): Promise<ActivitySummary> {
    return this.activity.counts(session.tenantId);
  }

  @Get(':id')
  async item(@Session() session: AdminSession, @Param('id') id: string): Promise<ActivityItem> {
    const record = await this.activity.get(session.tenantId, id);
    if (!record) throw notFound('This operation');
    return toActivityItem(record);
  }
}
