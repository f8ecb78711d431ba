import { Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../auth/access.decorator';
import { ValidationFailedError } from '../common/domain-error';
import { ChangeFeedService } from './change-feed.service';
import { ApiDoc } from '../openapi/api-doc.decorator';

/** `GET /api/v1/changes`: the change feed (server-sent events) for SDKs. */
@ApiTags('decisions')
@ApiBearerAuth()
@Access('service', 'admin')
@Controller('api/v1/changes')
export class ChangesController {
  constructor(private readonly feed: ChangeFeedService) {}

  @Get()
  @ApiDoc('The change feed (server-sent events; resume with Last-Event-ID)', { produces: { 'text/event-stream': { schema: { type: 'string' } } } })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this event id.' })
  @ApiQuery({ name: 'lastEventId', required: false, description: 'The same, for clients that cannot set headers (EventSource).' })
  async stream(
    @Req() req: FastifyRequest,
    @Res() res: FastifyReply,
    @Headers('last-event-id') header?: string,
    @Query('lastEventId') query?: string,
  ): Promise<void> {
    const raw = header ?? query;
    const path = header !== undefined ? 'Last-Event-ID' : 'lastEventId';
    if (raw !== undefined && !/^\d{1,15}$/.test(raw)) {
      throw new ValidationFailedError([{ path, message: 'must be a non-negative integer (an event id)' }]);
    }
    // The stream is written to the Node response directly: Fastify sends nothing itself.
    res.hijack();
    await this.feed.open(req.raw, res.raw, raw === undefined ? null : Number(raw));
  }
}
