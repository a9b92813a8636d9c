import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { LIVE_REPORT, type HealthReport } from '@scim/telemetry';
import { DependencyProbe } from './dependency-probe.service';

/**
 * Health (no auth). `/health/live`: 200 while the process runs. `/health/ready` (and `/health`):
 * 200 when Postgres and Redis answer and a worker is alive, else 503 naming what is missing.
 */
@Controller('health')
export class HealthController {
  constructor(private readonly probe: DependencyProbe) {}

  @Get('live')
  live(@Res({ passthrough: true }) reply: FastifyReply): HealthReport {
    reply.header('Content-Type', 'application/json; charset=utf-8').header('Cache-Control', 'no-store');
    return LIVE_REPORT;
  }

  @Get(['', 'ready'])
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const report = await this.probe.ready();
    reply
      .status(report.status === 'ok' ? 200 : 503)
      .header('Content-Type', 'application/json; charset=utf-8')
      .header('Cache-Control', 'no-store');
    return report;
  }
}
