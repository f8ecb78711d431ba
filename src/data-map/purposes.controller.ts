import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DataMapService } from './data-map.service';
import { CreatePurposeDto, UpdatePurposeDto } from './dto/purpose.dto';
import { ListQueryDto } from './dto/list-query.dto';

@ApiTags('data map')
@ApiBearerAuth()
@Controller('api/v1/purposes')
export class PurposesController {
  constructor(private readonly dataMap: DataMapService) {}

  @Get()
  list(@Query() query: ListQueryDto) {
    return this.dataMap.listPurposes(query);
  }

  @Get(':key')
  get(@Param('key') key: string) {
    return this.dataMap.getPurpose(key);
  }

  @Post()
  create(@Body() dto: CreatePurposeDto) {
    return this.dataMap.createPurpose(dto);
  }

  @Patch(':key')
  update(@Param('key') key: string, @Body() dto: UpdatePurposeDto) {
    return this.dataMap.updatePurpose(key, dto);
  }

  @Delete(':key')
  @HttpCode(204)
  remove(@Param('key') key: string) {
    return this.dataMap.deletePurpose(key);
  }
}
