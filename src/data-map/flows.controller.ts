import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DataMapService } from './data-map.service';
import { CreateFlowDto, UpdateFlowDto } from './dto/flow.dto';
import { ListFlowsQueryDto } from './dto/list-query.dto';

@ApiTags('data map')
@ApiBearerAuth()
@Controller('api/v1/flows')
export class FlowsController {
  constructor(private readonly dataMap: DataMapService) {}

  @Get()
  list(@Query() query: ListFlowsQueryDto) {
    return this.dataMap.listFlows(query);
  }

  @Get(':key')
  get(@Param('key') key: string) {
    return this.dataMap.getFlow(key);
  }

  @Post()
  create(@Body() dto: CreateFlowDto) {
    return this.dataMap.createFlow(dto);
  }

  @Patch(':key')
  update(@Param('key') key: string, @Body() dto: UpdateFlowDto) {
    return this.dataMap.updateFlow(key, dto);
  }

  @Delete(':key')
  @HttpCode(204)
  remove(@Param('key') key: string) {
    return this.dataMap.deleteFlow(key);
  }
}
