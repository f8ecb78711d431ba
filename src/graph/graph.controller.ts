import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { GraphQueryDto } from './dto/graph-query.dto';
import { GraphService } from './graph.service';

@ApiTags('graph')
@ApiBearerAuth()
@Controller('api/v1/graph')
export class GraphController {
  constructor(private readonly graph: GraphService) {}

  /** Every field, subprocessor and purpose (for the filters), without edges. Admin only. */
  @Get('catalog')
  @Header('Cache-Control', 'no-store')
  catalog() {
    return this.graph.catalog();
  }

  /** The data map as a graph (nodes, edges, flows), narrowed by the filters. Admin only. */
  @Get()
  @Header('Cache-Control', 'no-store')
  get(@Query() query: GraphQueryDto) {
    return this.graph.graph(query);
  }
}
