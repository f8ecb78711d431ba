import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { oneOf } from '../../data-map/dto/messages';
import { AUDIT_KINDS, type AuditKind } from '@flowgate/core';

/** A time window `[from, to)`; by default the last 24 hours. */
export class AuditWindowQueryDto {
  @ApiPropertyOptional({ description: 'Start (inclusive), ISO-8601; default: `to` minus 24 hours' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO-8601 date-time' })
  from?: string;

  @ApiPropertyOptional({ description: 'End (exclusive), ISO-8601; default: now' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO-8601 date-time' })
  to?: string;

  @ApiPropertyOptional({ example: 'logrocket' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  subprocessor?: string;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000, description: 'Rows per list' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 100;
}

export class AuditSummaryQueryDto extends AuditWindowQueryDto {
  @ApiPropertyOptional({ enum: AUDIT_KINDS, description: 'Default: blocked and monitored' })
  @IsOptional()
  @IsIn(AUDIT_KINDS, { message: oneOf(AUDIT_KINDS) })
  kind?: AuditKind;
}
