import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DataMapService } from './data-map.service';
import { CreatePurposeDto, UpdatePurposeDto } from './dto/purpose.dto';
import { ListQueryDto } from './dto/list-query.dto';
import { ApiDoc } from '../openapi/api-doc.decorator';

@ApiTags('data map')
@ApiBearerAuth()
@Controller('api/v1/purposes')
export class PurposesController {
  constructor(private readonly dataMap: DataMapService) {}

  @Get()
  @ApiDoc('List purposes (filters, pagination)', { returns: 'PurposePage' })
  list(@Query() query: ListQueryDto) {
    return this.dataMap.listPurposes(query);
  }

  @Get(':key')
  @ApiDoc('One purpose by key', { returns: 'Purpose' })
  get(@Param('key') key: string) {
    return this.dataMap.getPurpose(key);
  }

  @Post()
  @ApiDoc('Create a purpose', { status: 201, returns: 'Purpose', errors: [409, 422] })
  create(@Body() dto: CreatePurposeDto) {
    return this.dataMap.createPurpose(dto);
  }

  @Patch(':key')
  @ApiDoc('Change a purpose', { returns: 'Purpose', errors: [409, 422] })
  update(@Param('key') key: string, @Body() dto: UpdatePurposeDto) {
    return this.dataMap.updatePurpose(key, dto);
  }

  @Delete(':key')
  @ApiDoc('Delete a purpose', { status: 204, errors: [409] })
  @HttpCode(204)
  remove(@Param('key') key: string) {
    return this.dataMap.deletePurpose(key);
  }
}
