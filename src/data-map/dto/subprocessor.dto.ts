import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import {
  LOCATION_PATTERN,
  MAX_KEY_LENGTH,
  MAX_NAME_LENGTH,
  MAX_TEXT_LENGTH,
  MAX_URL_LENGTH,
  SLUG_PATTERN,
  SUBPROCESSOR_CATEGORIES,
  TRANSFER_MECHANISMS,
  type SubprocessorCategory,
  type TransferMechanism,
} from '@flowgate/core';
import { SLUG_MESSAGE, oneOf } from './messages';

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

  @ApiProperty({ example: ['US'], description: 'ISO 3166-1 alpha-2 codes, or EU' })
  @IsArray()
  @ArrayMaxSize(250)
  @IsString({ each: true })
  @Matches(LOCATION_PATTERN, {
    each: true,
    message: 'each location must be an ISO 3166-1 alpha-2 code in upper case (e.g. DE, US) or EU',
  })
  locations: string[];

  @ApiProperty({ enum: SUBPROCESSOR_CATEGORIES })
  @IsIn(SUBPROCESSOR_CATEGORIES, { message: oneOf(SUBPROCESSOR_CATEGORIES) })
  category: SubprocessorCategory;

  @ApiPropertyOptional({ enum: TRANSFER_MECHANISMS })
  @IsOptional()
  @IsIn(TRANSFER_MECHANISMS, { message: oneOf(TRANSFER_MECHANISMS) })
  transferMechanism?: TransferMechanism;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TEXT_LENGTH)
  description?: string;
}

export class UpdateSubprocessorDto extends PartialType(
  OmitType(CreateSubprocessorDto, ['key'] as const),
) {}
