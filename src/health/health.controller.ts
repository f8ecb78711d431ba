import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access } from '../auth/access.decorator';
import { DataMapService } from '../data-map/data-map.service';
import { ReplicaReads } from '../database/replica-reads';
import { WriteQueue } from '../database/write-queue';
import { ChangeLogService } from '../policy/change-log.service';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { schemaRef } from '../openapi/response-schemas';

/**
 * `GET /api/health`: liveness plus what an operator checks first (which database, whether
 * this instance follows the change log). `GET /api/health/ready`: 503 until the schema is
 * migrated (done before the app starts) and the change-log follower has caught up and is
 * live, so a load balancer sends nothing to an instance that would answer from stale caches.
 * Read replicas (`DATABASE_REPLICA_URL`) are listed with their lag; one down makes the
 * instance `degraded` (its reads go to the primary), never not ready.
 */
@ApiTags('health')
@Controller('api/health')
export class HealthController {
  constructor(
    private readonly dataMap: DataMapService,
    private readonly changeLog: ChangeLogService,
    private readonly writeQueue: WriteQueue,
    private readonly replicas: ReplicaReads,
  ) {}

  @Get()
  @ApiDoc('Liveness and the data map version', { returns: 'Health' })
  @Access('public')
  async health() {
    const map = await this.dataMap.current();
    const follower = this.changeLog.status();
    const replicas = await this.replicas.status();
    return {
      status: replicas.some((r) => r.state !== 'ok') ? 'degraded' : 'ok',
      dataMapVersion: map.version,
      database: this.writeQueue.kind,
      changeLog: { live: follower.live, lastId: follower.lastId, listening: follower.listening },
      replicas,
    };
  }

  @Get('ready')
  @ApiDoc('Readiness: 200 once the change-log follower has caught up and is live', { returns: 'Readiness' })
  @ApiResponse({ status: 503, description: 'Not ready yet (same body, status starting).', schema: schemaRef('Readiness') })
  @Access('public')
  @HttpCode(200)
  ready(@Res({ passthrough: true }) res: FastifyReply) {
    const follower = this.changeLog.status();
    const ready = follower.caughtUp && follower.live;
    if (!ready) void res.status(503);
    return {
      status: ready ? 'ready' : 'starting',
      database: this.writeQueue.kind,
      migrated: true,
      changeLog: { caughtUp: follower.caughtUp, live: follower.live, lastId: follower.lastId },
    };
  }
}
