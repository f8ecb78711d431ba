import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
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
import {
  ENDPOINT_HOST_PATTERN,
  ENDPOINT_PATH_PATTERN,
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
} from '@flowgate/core';
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

/** Where the subprocessor is reached, for the egress guard: a host, optionally a path prefix and a purpose. */
export class SubprocessorEndpointDto {
  @ApiProperty({ example: 'api.sendgrid.com', description: 'Lower-case host; *. in front for any subdomain; optional :port' })
  @IsString()
  @MaxLength(260)
  @Matches(ENDPOINT_HOST_PATTERN, { message: 'must be a lower-case host name, optionally *. in front and :port after (e.g. api.stripe.com, *.logrocket.io)' })
  host: string;

  @ApiPropertyOptional({ example: '/v3/mail', description: 'Path prefix, matched on whole segments' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  @Matches(ENDPOINT_PATH_PATTERN, { message: 'must start with / and hold no query, fragment or spaces' })
  path?: string;

  @ApiPropertyOptional({ example: 'email-delivery', description: 'The purpose of calls here, where the subprocessor has several' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_KEY_LENGTH)
  @Matches(SLUG_PATTERN, { message: SLUG_MESSAGE })
  purpose?: string;
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
    oneOf: [{ type: 'array', items: { type: 'string' } }, { type: 'string', enum: ['not-stated'] }],
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

  @ApiPropertyOptional({ type: [SubprocessorEndpointDto], description: 'Hosts (and path prefixes) it is reached at' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => SubprocessorEndpointDto)
  endpoints?: SubprocessorEndpointDto[];
}

export class UpdateSubprocessorDto extends PartialType(
  OmitType(CreateSubprocessorDto, ['key'] as const),
) {}
