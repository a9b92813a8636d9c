import { All, Controller, UseFilters, UseGuards } from '@nestjs/common';
import { AdminApiException } from './admin-api.error';
import { AdminExceptionFilter } from './admin-exception.filter';
import { AdminSessionGuard } from './admin-session.guard';

/** Any other /admin/api path: 401 without a session (like every console route), else 404, as JSON. */
@Controller('admin/api')
@UseGuards(AdminSessionGuard)
@UseFilters(AdminExceptionFilter)
export class AdminFallbackController {
  @All(['', '*'])
  unknown(): never {
    throw new AdminApiException(404, 'There is no such admin API endpoint.');
  }
}
