import { Body, Controller, Header, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Access } from './access.decorator';
import { DemoLoginDto } from './dto/demo-login.dto';
import { DemoLoginThrottle } from './rate-limit';
import { UserTokensService } from './user-tokens.service';
import { ApiDoc } from '../openapi/api-doc.decorator';

/**
 * Demo mode only (404 otherwise): sign in as any user, to try the preference centre.
 * Throttled per client address (`DEMO_LOGIN_LIMIT` per window, then 429 with Retry-After).
 */
@ApiTags('auth')
@UseGuards(DemoLoginThrottle)
@Controller('api/v1/demo')
export class DemoController {
  constructor(private readonly userTokens: UserTokensService) {}

  @Post('login')
  @ApiDoc('Demo mode only: a user token for any user id', { returns: 'DemoLogin' })
  @HttpCode(200)
  @Access('public')
  @Header('Cache-Control', 'no-store')
  login(@Body() dto: DemoLoginDto) {
    return this.userTokens.demoLogin(dto.userId);
  }
}
