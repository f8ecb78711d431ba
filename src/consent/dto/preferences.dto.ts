import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { USER_ID_MESSAGE, USER_ID_PATTERN } from '../../auth/user-id';
import { oneOf } from '../../data-map/dto/messages';
import { KEY_PATTERN } from '@flowgate/core';
import { API_SOURCES, MAX_CHANGES_PER_REQUEST, type ApiSource } from '../consent.vocabulary';

export const FLOW_KEY_MESSAGE = 'must be a flow key, <subprocessor>.<purpose> (e.g. vendor-a.email-delivery)';

export class SetPreferenceDto {
  @ApiProperty({ description: 'true: allow this flow; false: do not.' })
  @IsBoolean({ message: 'must be true or false' })
  granted: boolean;

  @ApiPropertyOptional({ description: 'The flow version the user was shown; refused (409) when the flow has changed since.' })
  @IsOptional()
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  flowVersion?: number;
}

export class ConsentChangeDto extends SetPreferenceDto {
  @ApiProperty({ example: 'vendor-b.product-analytics' })
  @IsString()
  @MaxLength(201)
  @Matches(KEY_PATTERN, { message: FLOW_KEY_MESSAGE })
  flowKey: string;
}

export class SetPreferencesDto {
  @ApiProperty({ type: [ConsentChangeDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_CHANGES_PER_REQUEST)
  @ValidateNested({ each: true })
  @Type(() => ConsentChangeDto)
  changes: ConsentChangeDto[];
}

export class RecordConsentsDto extends SetPreferencesDto {
  @ApiPropertyOptional({ enum: API_SOURCES, default: 'api', description: '`import` for choices collected elsewhere; `feature-activation` when the user turns on (or off) the feature of a flow with activation feature.' })
  @IsOptional()
  @IsIn(API_SOURCES, { message: oneOf(API_SOURCES) })
  source?: ApiSource;
}

export class HistoryQueryDto {
  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit: number = 100;

  @ApiPropertyOptional({ description: 'Events older than this seq (from `nextBefore`).' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  before?: number;
}

export class UserIdParamDto {
  @ApiProperty({ example: 'ada@example.com' })
  @Matches(USER_ID_PATTERN, { message: USER_ID_MESSAGE })
  userId: string;
}

export class FlowKeyParamDto {
  @ApiProperty({ example: 'vendor-b.product-analytics' })
  @MaxLength(201)
  @Matches(KEY_PATTERN, { message: FLOW_KEY_MESSAGE })
  flowKey: string;
}

export const RECEIPT_FORMATS = ['json', 'jwt'] as const;

export class ReceiptQueryDto {
  @ApiPropertyOptional({
    enum: RECEIPT_FORMATS,
    default: 'json',
    description: '`jwt`: the receipt signed (compact JWS, EdDSA), as `application/jwt`; verify with `GET /api/v1/receipts/keys`.',
  })
  @IsOptional()
  @IsIn(RECEIPT_FORMATS)
  format: (typeof RECEIPT_FORMATS)[number] = 'json';
}
