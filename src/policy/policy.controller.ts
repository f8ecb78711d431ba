import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access } from '../auth/access.decorator';
import { PolicyService } from './policy.service';
import { ApiDoc } from '../openapi/api-doc.decorator';

/**
 * For SDKs: the policy as `{ version, map }`, where `map` is the engine's `PolicyMap`
 * (`compilePolicy(map)` gives the same policy the server decides with). ETag and
 * If-None-Match make polling cheap (304).
 */
@ApiTags('decisions')
@ApiBearerAuth()
@Access('service', 'admin')
@Controller('api/v1/policy')
export class PolicyController {
  constructor(private readonly policies: PolicyService) {}

  @Get()
  @ApiDoc('The compiled policy map (ETag; 304 to a matching If-None-Match)', { returns: 'CompiledPolicy' })
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'The ETag of the policy held: 304 while it is current.' })
  @ApiResponse({ status: 304, description: 'The policy held is current; no body.' })
  async get(@Res() res: FastifyReply, @Headers('if-none-match') ifNoneMatch?: string): Promise<void> {
    const snapshot = await this.policies.refresh();
    void res.header('ETag', snapshot.etag).header('Cache-Control', 'no-cache');
    if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((t) => t.trim() === snapshot.etag)) {
      void res.status(304).send();
      return;
    }
    void res.status(200).send({ version: snapshot.version, etag: snapshot.etag, map: snapshot.map });
  }
}
