import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, Matches, Min } from 'class-validator';
import { ADMIN_ROLES, type AdminRole } from '../admin-role';

export class CreateAdminKeyDto {
  @ApiProperty({ example: 'ada@example.com', description: 'The person who holds the key; how history names them. Unique.' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$/, {
    message: 'must be 1 to 100 letters, digits or . _ @ + -, starting with a letter or digit',
  })
  name: string;

  @ApiProperty({ enum: ADMIN_ROLES })
  @IsIn(ADMIN_ROLES, { message: `must be one of ${ADMIN_ROLES.join(', ')}` })
  role: AdminRole;
}

export class AdminKeyIdParamDto {
  @ApiProperty()
  @Type(() => Number)
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  id: number;
}
