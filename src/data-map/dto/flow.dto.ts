import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import {
  CONSENT_MODES,
  KEY_PATTERN,
  LEGAL_BASES,
  MAX_KEY_LENGTH,
  MAX_TEXT_LENGTH,
  SLUG_PATTERN,
  type ConsentMode,
  type LegalBasis,
} from '@flowgate/core';
import { KEY_MESSAGE, SLUG_MESSAGE, oneOf } from './messages';
import { IsTranslations } from './translations';

const EACH_KEY = {
  each: true,
  message: 'each field key must be lower-case dotted segments (e.g. user.contact.email)',
};

export class CreateFlowDto {
  @ApiProperty({ example: 'logrocket' })
  @IsString()
  @MaxLength(MAX_KEY_LENGTH)
  @Matches(SLUG_PATTERN, { message: SLUG_MESSAGE })
  subprocessor: string;

  @ApiProperty({ example: 'session-replay' })
  @IsString()
  @MaxLength(MAX_KEY_LENGTH)
  @Matches(KEY_PATTERN, { message: KEY_MESSAGE })
  purpose: string;

  @ApiProperty({ enum: CONSENT_MODES })
  @IsIn(CONSENT_MODES, { message: oneOf(CONSENT_MODES) })
  mode: ConsentMode;

  @ApiProperty({ enum: LEGAL_BASES })
  @IsIn(LEGAL_BASES, { message: oneOf(LEGAL_BASES) })
  legalBasis: LegalBasis;

  @ApiProperty({ example: ['usage.page-views'] })
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @MaxLength(MAX_KEY_LENGTH, { each: true })
  @Matches(KEY_PATTERN, EACH_KEY)
  fields: string[];

  @ApiPropertyOptional({ example: ['user.contact.email'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @MaxLength(MAX_KEY_LENGTH, { each: true })
  @Matches(KEY_PATTERN, EACH_KEY)
  excludedFields?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TEXT_LENGTH)
  description?: string;

  @ApiPropertyOptional({
    description: 'Translations of the description by language, for the preference centre; in a manifest file written inline as `description: { en: …, de: … }`.',
    example: { de: 'Sitzungen nachspielen, um Fehler zu finden.' },
  })
  @IsOptional()
  @IsTranslations()
  descriptions?: Record<string, string>;
}

export class UpdateFlowDto extends PartialType(
  OmitType(CreateFlowDto, ['subprocessor', 'purpose'] as const),
) {}
