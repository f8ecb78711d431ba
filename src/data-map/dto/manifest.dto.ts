import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type, plainToInstance } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsOptional,
  IsObject,
  ValidateNested,
} from 'class-validator';
import { CreateFieldDto } from './field.dto';
import { CreateFlowDto } from './flow.dto';
import { OrganizationDto } from './organization.dto';
import { CreatePurposeDto } from './purpose.dto';
import { CreateSubprocessorDto } from './subprocessor.dto';

/** The manifest file, structurally: the same DTOs as the REST API, nested. */
export class ManifestDto {
  @ApiProperty({ enum: [1, 2] })
  @IsIn([1, 2], { message: 'must be 1 or 2 (the manifest format versions)' })
  version: 1 | 2;

  /** A version-1 name (a string) is read as the block `{ name }`. */
  @ApiPropertyOptional({ type: OrganizationDto })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string'
      ? plainToInstance(OrganizationDto, { name: value })
      : typeof value === 'object' && value !== null && !Array.isArray(value)
        ? plainToInstance(OrganizationDto, value)
        : value,
  )
  @IsObject({ message: 'must be a name or an organisation block (name, legalName, address, …)' })
  @ValidateNested()
  organization?: OrganizationDto;

  @ApiProperty({ type: [CreateFieldDto] })
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsObject({ each: true, message: 'each entry must be an object' })
  @ValidateNested({ each: true })
  @Type(() => CreateFieldDto)
  fields: CreateFieldDto[];

  @ApiProperty({ type: [CreatePurposeDto] })
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsObject({ each: true, message: 'each entry must be an object' })
  @ValidateNested({ each: true })
  @Type(() => CreatePurposeDto)
  purposes: CreatePurposeDto[];

  @ApiProperty({ type: [CreateSubprocessorDto] })
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsObject({ each: true, message: 'each entry must be an object' })
  @ValidateNested({ each: true })
  @Type(() => CreateSubprocessorDto)
  subprocessors: CreateSubprocessorDto[];

  @ApiProperty({ type: [CreateFlowDto] })
  @IsArray()
  @ArrayMaxSize(100_000)
  @IsObject({ each: true, message: 'each entry must be an object' })
  @ValidateNested({ each: true })
  @Type(() => CreateFlowDto)
  flows: CreateFlowDto[];
}
