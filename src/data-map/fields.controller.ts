import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DataMapService } from './data-map.service';
import { CreateFieldDto, UpdateFieldDto } from './dto/field.dto';
import { ListQueryDto } from './dto/list-query.dto';
import { ApiDoc } from '../openapi/api-doc.decorator';

@ApiTags('data map')
@ApiBearerAuth()
@Controller('api/v1/fields')
export class FieldsController {
  constructor(private readonly dataMap: DataMapService) {}

  @Get()
  @ApiDoc('List fields (filters, pagination)', { returns: 'FieldPage' })
  list(@Query() query: ListQueryDto) {
    return this.dataMap.listFields(query);
  }

  @Get(':key')
  @ApiDoc('One field by key', { returns: 'Field' })
  get(@Param('key') key: string) {
    return this.dataMap.getField(key);
  }

  @Post()
  @ApiDoc('Create a field', { status: 201, returns: 'Field', errors: [409, 422] })
  create(@Body() dto: CreateFieldDto) {
    return this.dataMap.createField(dto);
  }

  @Patch(':key')
  @ApiDoc('Change a field', { returns: 'Field', errors: [409, 422] })
  update(@Param('key') key: string, @Body() dto: UpdateFieldDto) {
    return this.dataMap.updateField(key, dto);
  }

  @Delete(':key')
  @ApiDoc('Delete a field', { status: 204, errors: [409] })
  @HttpCode(204)
  remove(@Param('key') key: string) {
    return this.dataMap.deleteField(key);
  }
}
