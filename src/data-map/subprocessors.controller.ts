import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DataMapService } from './data-map.service';
import { CreateSubprocessorDto, UpdateSubprocessorDto } from './dto/subprocessor.dto';
import { ListSubprocessorsQueryDto } from './dto/list-query.dto';
import { ApiDoc } from '../openapi/api-doc.decorator';

@ApiTags('data map')
@ApiBearerAuth()
@Controller('api/v1/subprocessors')
export class SubprocessorsController {
  constructor(private readonly dataMap: DataMapService) {}

  @Get()
  @ApiDoc('List subprocessors (filters, pagination)', { returns: 'SubprocessorPage' })
  list(@Query() query: ListSubprocessorsQueryDto) {
    return this.dataMap.listSubprocessors(query);
  }

  @Get(':key')
  @ApiDoc('One subprocessor by key', { returns: 'Subprocessor' })
  get(@Param('key') key: string) {
    return this.dataMap.getSubprocessor(key);
  }

  @Post()
  @ApiDoc('Create a subprocessor', { status: 201, returns: 'Subprocessor', errors: [409, 422] })
  create(@Body() dto: CreateSubprocessorDto) {
    return this.dataMap.createSubprocessor(dto);
  }

  @Patch(':key')
  @ApiDoc('Change a subprocessor', { returns: 'Subprocessor', errors: [409, 422] })
  update(@Param('key') key: string, @Body() dto: UpdateSubprocessorDto) {
    return this.dataMap.updateSubprocessor(key, dto);
  }

  @Delete(':key')
  @ApiDoc('Delete a subprocessor', { status: 204, errors: [409] })
  @HttpCode(204)
  remove(@Param('key') key: string) {
    return this.dataMap.deleteSubprocessor(key);
  }
}
