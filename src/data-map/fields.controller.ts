import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DataMapService } from './data-map.service';
import { CreateFieldDto, UpdateFieldDto } from './dto/field.dto';
import { ListQueryDto } from './dto/list-query.dto';

@ApiTags('data map')
@ApiBearerAuth()
@Controller('api/v1/fields')
export class FieldsController {
  constructor(private readonly dataMap: DataMapService) {}

  @Get()
  list(@Query() query: ListQueryDto) {
    return this.dataMap.listFields(query);
  }

  @Get(':key')
  get(@Param('key') key: string) {
    return this.dataMap.getField(key);
  }

  @Post()
  create(@Body() dto: CreateFieldDto) {
    return this.dataMap.createField(dto);
  }

  @Patch(':key')
  update(@Param('key') key: string, @Body() dto: UpdateFieldDto) {
    return this.dataMap.updateField(key, dto);
  }

  @Delete(':key')
  @HttpCode(204)
  remove(@Param('key') key: string) {
    return this.dataMap.deleteField(key);
  }
}
