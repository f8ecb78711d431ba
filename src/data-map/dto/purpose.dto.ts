import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { KEY_PATTERN, MAX_KEY_LENGTH, MAX_NAME_LENGTH, MAX_TEXT_LENGTH } from '@flowgate/core';
import { KEY_MESSAGE } from './messages';
import { IsTranslations } from './translations';

export class CreatePurposeDto {
  @ApiProperty({ example: 'session-replay' })
  @IsString()
  @MaxLength(MAX_KEY_LENGTH)
  @Matches(KEY_PATTERN, { message: KEY_MESSAGE })
  key: string;

  @ApiProperty({ example: 'Session replay' })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_NAME_LENGTH)
  name: string;

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

export class UpdatePurposeDto extends PartialType(OmitType(CreatePurposeDto, ['key'] as const)) {}
