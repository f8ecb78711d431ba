import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { oneOf } from '../../data-map/dto/messages';
import { AUDIT_KINDS, GUARD_MODES, type AuditKind, type GuardMode } from '@flowgate/core';

/** Most events one batch may carry (the SDK sends at most 500 by default). */
export const MAX_EVENTS_PER_BATCH = 1000;

export class AuditEventDto {
  @ApiProperty({ enum: AUDIT_KINDS })
  @IsIn(AUDIT_KINDS, { message: oneOf(AUDIT_KINDS) })
  kind: AuditKind;

  @ApiProperty({ example: 'logrocket' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  subprocessor: string;

  @ApiProperty({ example: 'session-replay', nullable: true, type: String })
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  purpose: string | null;

  @ApiProperty({ example: 'user.contact.email', description: 'A field key, a payload path, or * for the whole call' })
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  field: string;

  @ApiProperty({ example: 'opted-out', description: 'A decision reason code; for drift, the detector' })
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{0,39}$/, { message: 'must be a reason code or detector name (lower-case, dashes)' })
  reason: string;

  @ApiProperty({ enum: GUARD_MODES })
  @IsIn(GUARD_MODES, { message: oneOf(GUARD_MODES) })
  mode: GuardMode;

  @ApiProperty({ example: 7 })
  @IsInt()
  @Min(0)
  policyVersion: number;

  @ApiProperty({ example: 3 })
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  count: number;

  @ApiProperty({ example: '2026-01-01T10:00:00.000Z' })
  @IsISO8601({ strict: true }, { message: 'must be an ISO-8601 date-time' })
  firstAt: string;

  @ApiProperty({ example: '2026-01-01T10:00:01.000Z' })
  @IsISO8601({ strict: true }, { message: 'must be an ISO-8601 date-time' })
  lastAt: string;
}

/** What a guard's reporter sends: `AuditBatch` in `src/sdk/reporter.ts`. */
export class RecordAuditEventsDto {
  @ApiProperty({ example: 'checkout' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, {
    message: 'must be 1 to 100 letters, digits, dots, dashes or underscores',
  })
  service: string;

  @ApiProperty({ type: [AuditEventDto] })
  @IsArray()
  @ArrayMaxSize(MAX_EVENTS_PER_BATCH)
  @ValidateNested({ each: true })
  @Type(() => AuditEventDto)
  events: AuditEventDto[];

  @ApiPropertyOptional({ example: 0, description: 'Records the guard dropped (buffer full) since its last batch' })
  @IsOptional()
  @IsInt()
  @Min(0)
  dropped?: number;
}
