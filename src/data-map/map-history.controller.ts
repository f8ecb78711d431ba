import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { DataMapService } from './data-map.service';

export class MapHistoryQueryDto {
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  @Max(500, { message: 'must be at most 500' })
  limit: number = 50;

  @ApiPropertyOptional({ description: 'Changes older than this map version (from `nextBefore`).' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  before?: number;
}

/** `GET /api/v1/map/history`: who changed the map, when, and what (newest first). */
@ApiTags('data map')
@ApiBearerAuth()
@Controller('api/v1/map/history')
export class MapHistoryController {
  constructor(private readonly dataMap: DataMapService) {}

  @Get()
  @ApiDoc('Who changed the data map, when, and what (newest first)', { returns: 'MapHistory' })
  history(@Query() query: MapHistoryQueryDto) {
    return this.dataMap.history(query.limit, query.before);
  }
}
