import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../auth/access.decorator';
import { ADMIN_TOKEN, type AdminTokenSource } from '../auth/admin-token';
import { bearerToken } from '../auth/auth.guard';
import { AuthError } from '../auth/auth.errors';
import { FLOWGATE_CONFIG, type FlowgateConfig } from '../config/configuration';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { MetricsService } from './metrics.service';

/**
 * `GET /metrics`: Prometheus text format, for the admin token or the metrics token
 * (`FLOWGATE_METRICS_TOKEN`), so a scraper needs no admin rights.
 */
@ApiTags('operations')
@ApiBearerAuth()
@Access('public')
@Controller('metrics')
export class MetricsController {
  private readonly accepted: Buffer[];

  constructor(
    private readonly metrics: MetricsService,
    @Inject(ADMIN_TOKEN) admin: AdminTokenSource,
    @Inject(FLOWGATE_CONFIG) config: FlowgateConfig,
  ) {
    this.accepted = [admin.token, config.metricsToken].filter((t): t is string => t !== null).map(digest);
  }

  @Get()
  @ApiDoc('Prometheus metrics (text format): HTTP, decisions, consent writes, change feed, guard reports', {
    produces: { 'text/plain': { schema: { type: 'string' } } },
    errors: [],
  })
  async scrape(@Req() req: FastifyRequest, @Res() res: FastifyReply): Promise<void> {
    const token = bearerToken(req);
    if (!token) throw new AuthError('UNAUTHENTICATED', 'Missing bearer token (Authorization: Bearer <token>)');
    const given = digest(token);
    if (!this.accepted.some((t) => timingSafeEqual(t, given))) {
      throw new AuthError('UNAUTHENTICATED', '/metrics takes the admin token or FLOWGATE_METRICS_TOKEN');
    }
    const { contentType, body } = await this.metrics.scrape();
    void res.status(200).type(contentType).header('Cache-Control', 'no-store').send(body);
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
