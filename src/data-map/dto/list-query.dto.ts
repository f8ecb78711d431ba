import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { CONSENT_MODES, MAX_KEY_LENGTH, type ConsentMode, type Region } from '@flowgate/core';
import { oneOf } from './messages';

export class ListQueryDto {
  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 100;

  @ApiPropertyOptional({ default: 0, minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset: number = 0;

  @ApiPropertyOptional({ description: 'Text search in key and name' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}

export const REGIONS: readonly Region[] = ['eea', 'third-country'];

export class ListSubprocessorsQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: REGIONS })
  @IsOptional()
  @IsIn(REGIONS, { message: oneOf(REGIONS) })
  region?: Region;
}

export class ListFlowsQueryDto extends ListSubprocessorsQueryDto {
  @ApiPropertyOptional({ example: 'stripe' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_KEY_LENGTH)
  subprocessor?: string;

  @ApiPropertyOptional({ example: 'payments' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_KEY_LENGTH)
  purpose?: string;

  @ApiPropertyOptional({ example: 'user.contact.email', description: 'Flows that send this field' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_KEY_LENGTH)
  field?: string;

  @ApiPropertyOptional({ enum: CONSENT_MODES })
  @IsOptional()
  @IsIn(CONSENT_MODES, { message: oneOf(CONSENT_MODES) })
  mode?: ConsentMode;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}
