import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { GraphQueryDto } from './dto/graph-query.dto';
import { GraphService } from './graph.service';
import { ApiDoc } from '../openapi/api-doc.decorator';

@ApiTags('graph')
@ApiBearerAuth()
@Controller('api/v1/graph')
export class GraphController {
  constructor(private readonly graph: GraphService) {}

  /** Every field, subprocessor and purpose (for the filters), without edges. Admin only. */
  @Get('catalog')
  @ApiDoc('What the graph can be filtered by, and the totals', { returns: 'GraphCatalog' })
  @Header('Cache-Control', 'no-store')
  catalog() {
    return this.graph.catalog();
  }

  /** The data map as a graph (nodes, edges, flows), narrowed by the filters. Admin only. */
  @Get()
  @ApiDoc('The data map as a graph (nodes, edges, flows), filtered', { returns: 'Graph' })
  @Header('Cache-Control', 'no-store')
  get(@Query() query: GraphQueryDto) {
    return this.graph.graph(query);
  }
}
