import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { USER_ID_MESSAGE, USER_ID_PATTERN } from '../../auth/user-id';
import { MAX_KEY_LENGTH } from '@flowgate/core';

export const MAX_BATCH = 1000;

/** One decision: may `userId`'s data go to `subprocessor` for `purpose`? */
export class DecisionRequestDto {
  @ApiProperty({ example: 'ada@example.com' })
  @IsString()
  @Matches(USER_ID_PATTERN, { message: USER_ID_MESSAGE })
  userId: string;

  @ApiProperty({ example: 'vendor-a' })
  @IsString()
  @MaxLength(MAX_KEY_LENGTH)
  subprocessor: string;

  @ApiPropertyOptional({ example: 'email-delivery', description: 'Optional when the subprocessor has one flow.' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_KEY_LENGTH)
  purpose?: string;

  @ApiPropertyOptional({ example: ['user.contact.email'], description: 'Field keys the call carries.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @MaxLength(MAX_KEY_LENGTH, { each: true })
  fields?: string[];

  @ApiPropertyOptional({ description: 'The outbound JSON payload; fields are found through their paths.' })
  @IsOptional()
  @Allow()
  payload?: unknown;

  @ApiPropertyOptional({ description: 'Global Privacy Control on this request.' })
  @IsOptional()
  @IsBoolean({ message: 'must be true or false' })
  gpc?: boolean;
}

export class DecisionBatchDto {
  @ApiProperty({ type: [DecisionRequestDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH)
  @ValidateNested({ each: true })
  @Type(() => DecisionRequestDto)
  requests: DecisionRequestDto[];
}
