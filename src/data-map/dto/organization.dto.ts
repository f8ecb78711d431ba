import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
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
import {
  DATA_ROLES,
  MAX_NAME_LENGTH,
  MAX_TEXT_LENGTH,
  MAX_URL_LENGTH,
  type DataRole,
} from '@flowgate/core';
import { PAGE_GROUPINGS, type PageGrouping } from '../manifest/manifest.types';
import { oneOf } from './messages';

const URL_RULE = { protocols: ['http', 'https'], require_protocol: true };
const URL_MESSAGE = { message: 'must be an http(s) URL' };

/** The company's GDPR role per audience. */
export class OrganizationRolesDto {
  @ApiPropertyOptional({ enum: DATA_ROLES })
  @IsOptional()
  @IsIn(DATA_ROLES, { message: oneOf(DATA_ROLES) })
  customers?: DataRole;

  @ApiPropertyOptional({ enum: DATA_ROLES })
  @IsOptional()
  @IsIn(DATA_ROLES, { message: oneOf(DATA_ROLES) })
  'end-users'?: DataRole;

  @ApiPropertyOptional({ enum: DATA_ROLES })
  @IsOptional()
  @IsIn(DATA_ROLES, { message: oneOf(DATA_ROLES) })
  'website-visitors'?: DataRole;
}

export class PageDto {
  @ApiPropertyOptional({ example: '2026-11-01' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/, { message: 'must be a date YYYY-MM-DD' })
  date?: string;

  @ApiPropertyOptional({ enum: PAGE_GROUPINGS })
  @IsOptional()
  @IsIn(PAGE_GROUPINGS, { message: oneOf(PAGE_GROUPINGS) })
  grouping?: PageGrouping;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TEXT_LENGTH)
  intro?: string;
}

/** The manifest's `organization` block (version 2; a version-1 string reads as `{ name }`). */
export class OrganizationDto {
  @ApiProperty({ example: 'Numberz' })
  @IsString()
  @MinLength(1)
  @MaxLength(MAX_NAME_LENGTH)
  name: string;

  @ApiPropertyOptional({ example: 'CHARGEBEE INC.' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_NAME_LENGTH)
  legalName?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(MAX_TEXT_LENGTH)
  address?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  @IsUrl(URL_RULE, URL_MESSAGE)
  privacyPolicyUrl?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  @IsUrl(URL_RULE, URL_MESSAGE)
  dpaUrl?: string;

  @ApiPropertyOptional({ example: 'privacy@example.com' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  objectionContact?: string;

  @ApiPropertyOptional({ type: OrganizationRolesDto })
  @IsOptional()
  @IsObject({ message: 'must be an object of audience: role' })
  @ValidateNested()
  @Type(() => OrganizationRolesDto)
  roles?: OrganizationRolesDto;

  @ApiPropertyOptional({ type: PageDto })
  @IsOptional()
  @IsObject({ message: 'must be an object (date, grouping, intro)' })
  @ValidateNested()
  @Type(() => PageDto)
  page?: PageDto;
}
