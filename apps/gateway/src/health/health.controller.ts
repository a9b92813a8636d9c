import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DependencyProbe } from './dependency-probe.service';

/** `GET /health` (no auth): 200 when Postgres and Redis answer, 503 otherwise. */
@Controller('health')
export class HealthController {
  constructor(private readonly probe: DependencyProbe) {}

  @Get()
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    const status = await this.probe.check();
    const healthy = status.postgres === 'up' && status.redis === 'up';
    reply.status(healthy ? 200 : 503).header('Content-Type', 'application/json; charset=utf-8');
    return { status: healthy ? 'ok' : 'unavailable', ...status };
  }
}
