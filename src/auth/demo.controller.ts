import { Body, Controller, Header, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Access } from './access.decorator';
import { DemoLoginDto } from './dto/demo-login.dto';
import { UserTokensService } from './user-tokens.service';

/** Demo mode only (404 otherwise): sign in as any user, to try the preference centre. */
@ApiTags('auth')
@Controller('api/v1/demo')
export class DemoController {
  constructor(private readonly userTokens: UserTokensService) {}

  @Post('login')
  @HttpCode(200)
  @Access('public')
  @Header('Cache-Control', 'no-store')
  login(@Body() dto: DemoLoginDto) {
    return this.userTokens.demoLogin(dto.userId);
  }
}
