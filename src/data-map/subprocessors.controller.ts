import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { DataMapService } from './data-map.service';
import { CreateSubprocessorDto, UpdateSubprocessorDto } from './dto/subprocessor.dto';
import { ListSubprocessorsQueryDto } from './dto/list-query.dto';

@ApiTags('data map')
@ApiBearerAuth()
@Controller('api/v1/subprocessors')
export class SubprocessorsController {
  constructor(private readonly dataMap: DataMapService) {}

  @Get()
  list(@Query() query: ListSubprocessorsQueryDto) {
    return this.dataMap.listSubprocessors(query);
  }

  @Get(':key')
  get(@Param('key') key: string) {
    return this.dataMap.getSubprocessor(key);
  }

  @Post()
  create(@Body() dto: CreateSubprocessorDto) {
    return this.dataMap.createSubprocessor(dto);
  }

  @Patch(':key')
  update(@Param('key') key: string, @Body() dto: UpdateSubprocessorDto) {
    return this.dataMap.updateSubprocessor(key, dto);
  }

  @Delete(':key')
  @HttpCode(204)
  remove(@Param('key') key: string) {
    return this.dataMap.deleteSubprocessor(key);
  }
}
