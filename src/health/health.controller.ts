import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { DataMapService } from '../data-map/data-map.service';
import { ApiDoc } from '../openapi/api-doc.decorator';

@ApiTags('health')
@Controller('api/health')
export class HealthController {
  constructor(private readonly dataMap: DataMapService) {}

  @Get()
  @ApiDoc('Liveness and the data map version', { returns: 'Health' })
  @Access('public')
  async health() {
    const map = await this.dataMap.current();
    return { status: 'ok', dataMapVersion: map.version };
  }
}
