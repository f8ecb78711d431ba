import { Body, Controller, Get, Headers, Param, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access } from '../auth/access.decorator';
import { CurrentUserId } from '../auth/principal';
import { KEY_PATTERN, type WriteResult } from '@flowgate/core';
import { ConsentService } from './consent.service';
import { HistoryQueryDto, ReceiptQueryDto, SetPreferenceDto, SetPreferencesDto } from './dto/preferences.dto';
import { PreferencesService } from './preferences.service';
import { parsePreferenceRequest } from './preference-request.parse';
import { ApiDoc } from '../openapi/api-doc.decorator';

const GPC = { name: 'Sec-GPC', required: false, description: '`1`: Global Privacy Control; recorded once for the user.' };
const IDEMPOTENCY = { name: 'Idempotency-Key', required: false, description: 'The same key again records nothing and returns the first answer.' };

/** The end user's preference centre: their own consents only (user tokens). */
@ApiTags('preference centre')
@ApiBearerAuth()
@ApiHeader(GPC)
@Access('user')
@Controller('api/v1/me')
export class MeController {
  constructor(
    private readonly consent: ConsentService,
    private readonly preferences: PreferencesService,
  ) {}

  @Get()
  @ApiDoc('The signed-in user', { returns: 'Me' })
  async me(@CurrentUserId() userId: string, @Headers('sec-gpc') gpc?: string) {
    await this.gpc(userId, gpc);
    const view = await this.preferences.view(userId);
    return { userId, stateVersion: view.stateVersion, gpc: view.gpc, mapVersion: view.mapVersion };
  }

  @Get('preferences')
  @ApiDoc("The preference centre: every flow, what it sends, the user's choice", { returns: 'Preferences' })
  async list(@CurrentUserId() userId: string, @Headers('sec-gpc') gpc?: string) {
    await this.gpc(userId, gpc);
    return this.preferences.view(userId);
  }

  // The flow key and body are checked by hand (`parsePreferenceRequest`: the rules and
  // messages of the DTOs, which document them): the validation pipe cost more than the rest
  // of this route's own code on the consent write path.
  @Put('preferences/:flowKey')
  @ApiDoc('Turn one flow on or off', { returns: 'ConsentWriteResult', errors: [404, 409, 422, 503] })
  @ApiHeader(IDEMPOTENCY)
  @ApiParam({ name: 'flowKey', schema: { type: 'string', maxLength: 201, pattern: KEY_PATTERN.source, example: 'vendor-b.product-analytics' } })
  @ApiBody({ type: SetPreferenceDto })
  async setOne(
    @CurrentUserId() userId: string,
    @Param('flowKey') flowKey: unknown,
    @Body() body: unknown,
    @Res({ passthrough: true }) res: FastifyReply,
    @Headers('sec-gpc') gpc?: string,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<WriteResult> {
    const request = parsePreferenceRequest(flowKey, body);
    const result = await this.consent.record(
      userId,
      [{ flowKey: request.flowKey, granted: request.granted, flowVersion: request.flowVersion }],
      { source: 'preference-centre', actor: `user:${userId}`, idempotencyKey, gpc: gpc === '1' },
    );
    return replayed(res, result);
  }

  @Put('preferences')
  @ApiDoc('Turn several flows on or off in one write', { returns: 'ConsentWriteResult', errors: [404, 409, 422, 503] })
  @ApiHeader(IDEMPOTENCY)
  async setMany(
    @CurrentUserId() userId: string,
    @Body() dto: SetPreferencesDto,
    @Res({ passthrough: true }) res: FastifyReply,
    @Headers('sec-gpc') gpc?: string,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<WriteResult> {
    const result = await this.consent.record(userId, dto.changes, {
      source: 'preference-centre',
      actor: `user:${userId}`,
      idempotencyKey,
      gpc: gpc === '1',
    });
    return replayed(res, result);
  }

  @Get('history')
  @ApiDoc("The user's consent events, newest first", { returns: 'ConsentHistory' })
  async history(@CurrentUserId() userId: string, @Query() query: HistoryQueryDto, @Headers('sec-gpc') gpc?: string) {
    await this.gpc(userId, gpc);
    return this.consent.history(userId, query);
  }

  @Get('receipt')
  @ApiDoc('A consent receipt of the current choices (`?format=jwt`: signed)', { returns: 'ConsentReceipt', produces: { 'application/jwt': { schema: { type: 'string' } } } })
  @ApiProduces('application/json', 'application/jwt')
  async receipt(
    @CurrentUserId() userId: string,
    @Query() query: ReceiptQueryDto,
    @Res({ passthrough: true }) res: FastifyReply,
    @Headers('sec-gpc') gpc?: string,
  ) {
    await this.gpc(userId, gpc);
    if (query.format === 'json') return this.preferences.receipt(userId);
    void res.type('application/jwt');
    return this.preferences.signedReceipt(userId);
  }

  private async gpc(userId: string, header: string | undefined): Promise<void> {
    if (header === '1') await this.consent.recordGpc(userId, `user:${userId}`);
  }
}

/** Marks an answer replayed for a repeated Idempotency-Key. */
export function replayed(res: FastifyReply, result: WriteResult): WriteResult {
  if (result.replayed) void res.header('Idempotent-Replayed', 'true');
  return result;
}
