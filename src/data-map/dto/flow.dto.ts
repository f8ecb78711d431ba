import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import {
  ACTIVATIONS,
  AUDIENCES,
  CONSENT_MODES,
  KEY_PATTERN,
  LEGAL_BASES,
  MAX_KEY_LENGTH,
  MAX_NAME_LENGTH,
  MAX_TEXT_LENGTH,
  SLUG_PATTERN,
  type Activation,
  type Audience,
  type ConsentMode,
  type LegalBasis,
  type NotStated,
} from '@flowgate/core';
import { KEY_MESSAGE, SLUG_MESSAGE, oneOf } from './messages';
import { IsListOrNotStated } from './not-stated';
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

  @ApiProperty({
    example: ['usage.page-views'],
    description: 'Field keys sent; [] for none; "not-stated" when the company does not say',
    oneOf: [{ type: 'array', items: { type: 'string' } }, { type: 'string', enum: ['not-stated'] }],
  })
  @IsListOrNotStated({
    maxItems: 500,
    maxLength: MAX_KEY_LENGTH,
    pattern: KEY_PATTERN,
    what: 'field key must be lower-case dotted segments (e.g. user.contact.email)',
  })
  fields: string[] | NotStated;

  @ApiPropertyOptional({ example: ['user.contact.email'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @MaxLength(MAX_KEY_LENGTH, { each: true })
  @Matches(KEY_PATTERN, EACH_KEY)
  excludedFields?: string[];

  @ApiPropertyOptional({ enum: AUDIENCES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayUnique({ message: 'must not list an audience twice' })
  @IsIn(AUDIENCES, { each: true, message: `each audience ${oneOf(AUDIENCES)}` })
  audiences?: Audience[];

  @ApiPropertyOptional({ enum: ACTIVATIONS })
  @IsOptional()
  @IsIn(ACTIVATIONS, { message: oneOf(ACTIVATIONS) })
  activation?: Activation;

  @ApiPropertyOptional({ example: 'Translations' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_NAME_LENGTH)
  feature?: string;

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
