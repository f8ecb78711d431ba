import { Body, Controller, Get, Header, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import type { Response } from 'express';
import { DataMapService } from './data-map.service';
import { oneOf } from './dto/messages';
import { formatManifest, type ManifestFormat } from './manifest/manifest.format';

const FORMATS: readonly ManifestFormat[] = ['yaml', 'json'];

const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

export class ImportManifestQueryDto {
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  dryRun?: boolean;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  prune?: boolean;
}

export class ExportManifestQueryDto {
  @IsOptional()
  @IsIn(FORMATS, { message: oneOf(FORMATS) })
  format?: ManifestFormat;
}

@ApiTags('manifest')
@ApiBearerAuth()
@Controller('api/v1/manifest')
export class ManifestController {
  constructor(private readonly dataMap: DataMapService) {}

  /** Imports a manifest (YAML or JSON body). `dryRun` returns the diff; `prune` removes what it no longer lists. */
  @Post()
  @ApiConsumes('application/json', 'application/yaml', 'text/yaml', 'text/plain')
  @Header('Cache-Control', 'no-store')
  import(@Body() body: unknown, @Query() query: ImportManifestQueryDto) {
    return this.dataMap.importManifestDocument(body, { dryRun: query.dryRun, prune: query.prune });
  }

  /** What the stored map does not state: explicit `not-stated` values and missing optional facts, each with its path. */
  @Get('completeness')
  completeness() {
    return this.dataMap.completeness();
  }

  @Get()
  async export(@Query() query: ExportManifestQueryDto, @Res() res: Response): Promise<void> {
    const format = query.format ?? 'yaml';
    const manifest = await this.dataMap.exportManifest();
    res
      .status(200)
      .type(format === 'yaml' ? 'application/yaml' : 'application/json')
      .send(formatManifest(manifest, format));
  }
}
