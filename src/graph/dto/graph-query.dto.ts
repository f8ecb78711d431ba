import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import {
  CONSENT_MODES,
  KEY_PATTERN,
  MAX_KEY_LENGTH,
  SENSITIVITIES,
  SLUG_PATTERN,
  type ConsentMode,
  type Region,
  type Sensitivity,
} from '@flowgate/core';
import { USER_ID_MESSAGE, USER_ID_PATTERN } from '../../auth/user-id';
import { REGIONS } from '../../data-map/dto/list-query.dto';
import { KEY_MESSAGE, SLUG_MESSAGE, oneOf } from '../../data-map/dto/messages';

const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/** `GET /api/v1/graph` filters; each narrows the graph, together they combine with AND. */
export class GraphQueryDto {
  @ApiPropertyOptional({ example: 'user.contact.email', description: 'Only where this field goes' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_KEY_LENGTH)
  @Matches(KEY_PATTERN, { message: KEY_MESSAGE })
  field?: string;

  @ApiPropertyOptional({ example: 'stripe', description: 'Only what this subprocessor gets' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_KEY_LENGTH)
  @Matches(SLUG_PATTERN, { message: SLUG_MESSAGE })
  subprocessor?: string;

  @ApiPropertyOptional({ example: 'payments' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_KEY_LENGTH)
  @Matches(KEY_PATTERN, { message: KEY_MESSAGE })
  purpose?: string;

  @ApiPropertyOptional({ enum: CONSENT_MODES })
  @IsOptional()
  @IsIn(CONSENT_MODES, { message: oneOf(CONSENT_MODES) })
  mode?: ConsentMode;

  @ApiPropertyOptional({
    enum: REGIONS,
    description: '`third-country`: everything leaving the EU/EEA',
  })
  @IsOptional()
  @IsIn(REGIONS, { message: oneOf(REGIONS) })
  region?: Region;

  @ApiPropertyOptional({ enum: SENSITIVITIES })
  @IsOptional()
  @IsIn(SENSITIVITIES, { message: oneOf(SENSITIVITIES) })
  sensitivity?: Sensitivity;

  @ApiPropertyOptional({
    description: 'Text search in keys and names of fields, subprocessors and purposes',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({
    default: false,
    description: 'Also draw what flows explicitly do not send',
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  excluded?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Also draw purpose nodes' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  purposes?: boolean;

  @ApiPropertyOptional({
    default: true,
    description: 'false: the nodes only, for a first look at a very large map',
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  edges?: boolean;

  @ApiPropertyOptional({
    example: 'ada@example.com',
    description:
      "Per-user view: each line allowed or blocked for this user now, with the engine's reason",
  })
  @IsOptional()
  @IsString()
  @Matches(USER_ID_PATTERN, { message: USER_ID_MESSAGE })
  user?: string;
}
