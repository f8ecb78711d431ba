import { Controller, Get, Header } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { CurrentUserId } from '../auth/principal';
import { GraphService } from './graph.service';
import { ApiDoc } from '../openapi/api-doc.decorator';

/** "My data flows" in the preference centre: the graph as it applies to the signed-in user. */
@ApiTags('preference centre')
@ApiBearerAuth()
@Access('user')
@Controller('api/v1/me/graph')
export class MeGraphController {
  constructor(private readonly graph: GraphService) {}

  @Get()
  @ApiDoc("The signed-in user's graph: what each vendor gets for them", { returns: 'Graph' })
  @Header('Cache-Control', 'no-store')
  get(@CurrentUserId() userId: string) {
    return this.graph.forMe(userId);
  }
}
