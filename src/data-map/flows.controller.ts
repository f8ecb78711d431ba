import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DataMapService } from './data-map.service';
import { CreateFlowDto, UpdateFlowDto } from './dto/flow.dto';
import { ListFlowsQueryDto } from './dto/list-query.dto';
import { ApiDoc } from '../openapi/api-doc.decorator';

@ApiTags('data map')
@ApiBearerAuth()
@Controller('api/v1/flows')
export class FlowsController {
  constructor(private readonly dataMap: DataMapService) {}

  @Get()
  @ApiDoc('List flows (filters, pagination)', { returns: 'FlowPage' })
  list(@Query() query: ListFlowsQueryDto) {
    return this.dataMap.listFlows(query);
  }

  @Get(':key')
  @ApiDoc('One flow by key', { returns: 'Flow' })
  get(@Param('key') key: string) {
    return this.dataMap.getFlow(key);
  }

  @Post()
  @ApiDoc('Create a flow', { status: 201, returns: 'Flow', errors: [409, 422] })
  create(@Body() dto: CreateFlowDto) {
    return this.dataMap.createFlow(dto);
  }

  @Patch(':key')
  @ApiDoc('Change a flow', { returns: 'Flow', errors: [409, 422] })
  update(@Param('key') key: string, @Body() dto: UpdateFlowDto) {
    return this.dataMap.updateFlow(key, dto);
  }

  @Delete(':key')
  @ApiDoc('Delete a flow', { status: 204 })
  @HttpCode(204)
  remove(@Param('key') key: string) {
    return this.dataMap.deleteFlow(key);
  }
}
