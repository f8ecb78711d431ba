import { Body, Controller, Get, Header, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { schemaRef } from '../openapi/response-schemas';
import { DataMapService, type ImportResult } from './data-map.service';
import { ManifestDto } from './dto/manifest.dto';
import { oneOf } from './dto/messages';
import { formatManifest, type ManifestFormat } from './manifest/manifest.format';
import { ApiDoc } from '../openapi/api-doc.decorator';

const FORMATS: readonly ManifestFormat[] = ['yaml', 'json'];

const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

export class ImportManifestQueryDto {
  @ApiPropertyOptional({ description: 'Only compute the diff (answered 200); change nothing.', type: Boolean })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  dryRun?: boolean;

  @ApiPropertyOptional({ description: 'Also remove what the manifest no longer lists.', type: Boolean })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  prune?: boolean;
}

export class ExportManifestQueryDto {
  @ApiPropertyOptional({ enum: FORMATS, default: 'yaml' })
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
  @ApiDoc('Import a manifest (YAML or JSON); `dryRun` answers 200 with the diff, an import 201', { status: 201, returns: 'ImportResult', errors: [422] })
  @ApiConsumes('application/json', 'application/yaml', 'text/yaml', 'text/plain')
  @ApiBody({ type: ManifestDto, description: 'A manifest (docs/manifest.md), as JSON or as YAML text of the same shape.' })
  @ApiResponse({ status: 200, description: 'Dry run: the diff; nothing changed.', schema: schemaRef('ImportResult') })
  @Header('Cache-Control', 'no-store')
  async import(
    @Body() body: unknown,
    @Query() query: ImportManifestQueryDto,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<ImportResult> {
    const result = await this.dataMap.importManifestDocument(body, { dryRun: query.dryRun, prune: query.prune });
    // A dry run creates nothing: 200 with the diff; an import 201.
    void res.status(query.dryRun ? 200 : 201);
    return result;
  }

  /** What the stored map does not state: explicit `not-stated` values and missing optional facts, each with its path. */
  @Get('completeness')
  @ApiDoc('What the stored map does not state, each gap with its path', { produces: { 'application/json': { schema: { type: 'object' } } } })
  completeness() {
    return this.dataMap.completeness();
  }

  @Get()
  @ApiDoc('Export the data map as a manifest', { produces: { 'application/yaml': { schema: { type: 'string' } }, 'application/json': { schema: { $ref: '#/components/schemas/ManifestDto' } } } })
  async export(@Query() query: ExportManifestQueryDto, @Res() res: FastifyReply): Promise<void> {
    const format = query.format ?? 'yaml';
    const manifest = await this.dataMap.exportManifest();
    void res
      .status(200)
      .type(format === 'yaml' ? 'application/yaml' : 'application/json')
      .send(formatManifest(manifest, format));
  }
}
