import { Controller, Get, Header } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { CurrentUserId } from '../auth/principal';
import { GraphService } from './graph.service';

/** "My data flows" in the preference centre: the graph as it applies to the signed-in user. */
@ApiTags('preference centre')
@ApiBearerAuth()
@Access('user')
@Controller('api/v1/me/graph')
export class MeGraphController {
  constructor(private readonly graph: GraphService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  get(@CurrentUserId() userId: string) {
    return this.graph.forMe(userId);
  }
}
