import { Body, Controller, Get, Headers, Param, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access } from '../auth/access.decorator';
import { actorOf, assertMayActFor, CurrentPrincipal, type Principal } from '../auth/principal';
import { ConsentsCache } from './consent-cache.service';
import type { WriteResult } from '@flowgate/core';
import { ConsentService } from './consent.service';
import { HistoryQueryDto, RecordConsentsDto, UserIdParamDto } from './dto/preferences.dto';
import { replayed } from './me.controller';
import { PreferencesService } from './preferences.service';
import { ApiDoc } from '../openapi/api-doc.decorator';

/** A user's consents for the privacy team (admin) and for SDKs (service tokens). */
@ApiTags('consent')
@ApiBearerAuth()
@Controller('api/v1/users/:userId')
export class UsersConsentController {
  constructor(
    private readonly consent: ConsentService,
    private readonly preferences: PreferencesService,
    private readonly cache: ConsentsCache,
  ) {}

  /** For SDKs: the user's choices in the form `compileConsents` takes. */
  @Get('consents')
  @ApiDoc("A user's current choices, for SDKs", { returns: 'UserConsents' })
  @Access('service', 'admin', 'user')
  async consents(@Param() params: UserIdParamDto, @CurrentPrincipal() principal: Principal) {
    assertMayActFor(principal, params.userId);
    const state = await this.cache.state(params.userId);
    const choices: Record<string, { granted: boolean; version: number }> = {};
    for (const [flowKey, c] of state.choices) choices[flowKey] = { granted: c.choice === 'granted', version: c.flowVersion };
    return { userId: state.userId, version: state.version, gpc: state.gpc, choices };
  }

  @Get('preferences')
  @ApiDoc("A user's preference centre, as the user sees it", { returns: 'Preferences' })
  preferencesOf(@Param() params: UserIdParamDto) {
    return this.preferences.view(params.userId);
  }

  /** Records choices on the user's behalf (source `api`, or `import` for choices collected elsewhere). */
  @Put('preferences')
  @ApiDoc("Record choices on a user's behalf", { returns: 'ConsentWriteResult', errors: [404, 409, 422, 503] })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The same key again records nothing and returns the first answer.' })
  @Access('admin', 'service')
  async record(
    @Param() params: UserIdParamDto,
    @Body() dto: RecordConsentsDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: FastifyReply,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<WriteResult> {
    const result = await this.consent.record(params.userId, dto.changes, {
      source: dto.source ?? 'api',
      actor: actorOf(principal),
      idempotencyKey,
    });
    return replayed(res, result);
  }

  @Get('history')
  @ApiDoc("A user's consent events, newest first", { returns: 'ConsentHistory' })
  history(@Param() params: UserIdParamDto, @Query() query: HistoryQueryDto) {
    return this.consent.history(params.userId, query);
  }

  /** Checks the user's hash chain: any altered, removed or reordered event is reported. */
  @Get('verify')
  @ApiDoc("Check a user's hash chain", { returns: 'ConsentVerification' })
  verify(@Param() params: UserIdParamDto) {
    return this.consent.verify(params.userId);
  }
}
