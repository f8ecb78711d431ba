import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { MAX_NAME_LENGTH } from '@flowgate/core';
import { CreateFieldDto } from './field.dto';
import { CreateFlowDto } from './flow.dto';
import { CreatePurposeDto } from './purpose.dto';
import { CreateSubprocessorDto } from './subprocessor.dto';

/** The manifest file, structurally: the same DTOs as the REST API, nested. */
export class ManifestDto {
  @ApiProperty({ enum: [1] })
  @IsIn([1], { message: 'must be 1 (the only manifest format version)' })
  version: 1;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(MAX_NAME_LENGTH)
  organization?: string;

  @ApiProperty({ type: [CreateFieldDto] })
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => CreateFieldDto)
  fields: CreateFieldDto[];

  @ApiProperty({ type: [CreatePurposeDto] })
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => CreatePurposeDto)
  purposes: CreatePurposeDto[];

  @ApiProperty({ type: [CreateSubprocessorDto] })
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => CreateSubprocessorDto)
  subprocessors: CreateSubprocessorDto[];

  @ApiProperty({ type: [CreateFlowDto] })
  @IsArray()
  @ArrayMaxSize(100_000)
  @ValidateNested({ each: true })
  @Type(() => CreateFlowDto)
  flows: CreateFlowDto[];
}
