import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import {
  KEY_PATTERN,
  MAX_KEY_LENGTH,
  MAX_NAME_LENGTH,
  MAX_TEXT_LENGTH,
  FIELD_PATH_PATTERN,
  SENSITIVITIES,
  type Sensitivity,
} from '@flowgate/core';
import { KEY_MESSAGE, oneOf } from './messages';

export class CreateFieldDto {
  @ApiProperty({ example: 'user.contact.email' })
  @IsString()
  @MaxLength(MAX_KEY_LENGTH)
  @Matches(KEY_PATTERN, { message: KEY_MESSAGE })
  key: string;

  @ApiProperty({ example: 'Email address' })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_NAME_LENGTH)
  name: string;

  @ApiProperty({ enum: SENSITIVITIES })
  @IsIn(SENSITIVITIES, { message: oneOf(SENSITIVITIES) })
  sensitivity: Sensitivity;

  @ApiProperty({ example: ['email', 'customer.email', 'to[*].email'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(MAX_KEY_LENGTH * 2, { each: true })
  @Matches(FIELD_PATH_PATTERN, {
    each: true,
    message:
      'each path must be dotted property names, with [*] for array elements and an optional .** for the whole subtree (e.g. to[*].email, card.**), or a URL path template (url:/u/{}/track)',
  })
  paths: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TEXT_LENGTH)
  description?: string;
}

export class UpdateFieldDto extends PartialType(OmitType(CreateFieldDto, ['key'] as const)) {}
