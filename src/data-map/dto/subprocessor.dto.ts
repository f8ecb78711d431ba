import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { Type } from 'class-transformer';
import {
  LOCATION_PATTERN,
  MAX_KEY_LENGTH,
  MAX_NAME_LENGTH,
  MAX_TEXT_LENGTH,
  MAX_URL_LENGTH,
  REGION_LOCATIONS,
  SLUG_PATTERN,
  SUBPROCESSOR_CATEGORIES,
  TRANSFER_MECHANISMS,
  type NotStated,
  type SubprocessorCategory,
  type TransferMechanism,
} from '../data-map.vocabulary';
import { SLUG_MESSAGE, oneOf } from './messages';
import { IsListOrNotStated } from './not-stated';

/** An onward transfer: this subprocessor passes data on to another one (`to`). */
export class TransferDto {
  @ApiProperty({ example: 'snowflake' })
  @IsString()
  @MaxLength(MAX_KEY_LENGTH)
  @Matches(SLUG_PATTERN, { message: SLUG_MESSAGE })
  to: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TEXT_LENGTH)
  description?: string;
}

export class CreateSubprocessorDto {
  @ApiProperty({ example: 'logrocket' })
  @IsString()
  @MaxLength(MAX_KEY_LENGTH)
  @Matches(SLUG_PATTERN, { message: SLUG_MESSAGE })
  key: string;

  @ApiProperty({ example: 'LogRocket' })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_NAME_LENGTH)
  name: string;

  @ApiPropertyOptional({ example: 'https://logrocket.com' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true }, { message: 'must be an http(s) URL' })
  url?: string;

  @ApiPropertyOptional({ example: 'LogRocket, Inc.' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_NAME_LENGTH)
  legalEntity?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TEXT_LENGTH)
  address?: string;

  @ApiPropertyOptional({ example: 'Alphabet Inc.' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_NAME_LENGTH)
  parent?: string;

  @ApiProperty({
    example: ['US'],
    description: 'ISO 3166-1 alpha-2 codes, EU, EEA, a region (worldwide, europe, …), or "not-stated"',
  })
  @IsListOrNotStated({
    maxItems: 250,
    maxLength: 20,
    pattern: LOCATION_PATTERN,
    what: `location must be an ISO 3166-1 alpha-2 code in upper case (e.g. DE, US), EU, or one of ${REGION_LOCATIONS.join(', ')}`,
  })
  locations: string[] | NotStated;

  @ApiProperty({ enum: SUBPROCESSOR_CATEGORIES })
  @IsIn(SUBPROCESSOR_CATEGORIES, { message: oneOf(SUBPROCESSOR_CATEGORIES) })
  category: SubprocessorCategory;

  @ApiPropertyOptional({ enum: TRANSFER_MECHANISMS })
  @IsOptional()
  @IsIn(TRANSFER_MECHANISMS, { message: oneOf(TRANSFER_MECHANISMS) })
  transferMechanism?: TransferMechanism;

  @ApiPropertyOptional({ type: () => [TransferDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsObject({ each: true, message: 'each transfer must be an object with to' })
  @ValidateNested({ each: true })
  @Type(() => TransferDto)
  transfers?: TransferDto[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TEXT_LENGTH)
  description?: string;
}

export class UpdateSubprocessorDto extends PartialType(
  OmitType(CreateSubprocessorDto, ['key'] as const),
) {}
