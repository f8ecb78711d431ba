import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, MaxLength, Min, MinLength } from 'class-validator';

export class CreateServiceTokenDto {
  @ApiProperty({ example: 'billing-service', description: 'Who uses the token (shown in the list).' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(/^[^\r\n]*$/, { message: 'must be a single line' })
  name: string;
}

export class ServiceTokenIdParamDto {
  @ApiProperty()
  @Type(() => Number)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  id: number;
}
