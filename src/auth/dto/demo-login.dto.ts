import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { USER_ID_MESSAGE, USER_ID_PATTERN } from '../user-id';

export class DemoLoginDto {
  @ApiProperty({ example: 'ada@example.com' })
  @IsString()
  @Matches(USER_ID_PATTERN, { message: USER_ID_MESSAGE })
  userId: string;
}
