import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ScimError } from '@scim/scim';
import { GatewayMetrics } from './gateway-metrics';

/** `GET /metrics` (no auth; keep it inside the cluster): Prometheus text. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: GatewayMetrics) {}

  @Get()
  async metricsText(@Res() reply: FastifyReply): Promise<void> {
    const registry = this.metrics.registry;
    if (!registry) throw new ScimError(404, 'Metrics are off on this gateway (METRICS=off).');
    const text = await registry.metrics();
    reply.status(200).header('Content-Type', registry.contentType).send(text);
  }
}
