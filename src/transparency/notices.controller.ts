import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DataMapService } from '../data-map/data-map.service';
import { buildRopa, ropaCsv, ropaHtml } from './ropa';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ValidationFailedError } from '../common/domain-error';
import { ImpactService } from './impact.service';
import { NoticesService } from './notices.service';
import { WebhooksService } from './webhooks.service';
import { ApiDoc } from '../openapi/api-doc.decorator';
import { schemaRef, type SchemaName } from '../openapi/response-schemas';

const arrayOf = (name: SchemaName) => ({ type: 'array', items: schemaRef(name) });

/** Change notices and webhook subscriptions (admin). */
@ApiTags('transparency')
@ApiBearerAuth()
@Controller('api/v1')
export class NoticesController {
  constructor(
    private readonly notices: NoticesService,
    private readonly webhooks: WebhooksService,
    private readonly impacts: ImpactService,
    private readonly dataMap: DataMapService,
  ) {}

  /** The record of processing activities (GDPR Art. 30) from the map: `format=csv|html|json` (default csv). */
  @Get('ropa')
  @ApiDoc('The record of processing (GDPR Art. 30): format=csv|html|json', { produces: { 'text/csv': { schema: { type: 'string' } }, 'text/html': { schema: { type: 'string' } }, 'application/json': { schema: schemaRef('Ropa') } } })
  async ropa(@Query('format') format: string | undefined, @Res() res: FastifyReply): Promise<void> {
    const f = format ?? 'csv';
    if (f !== 'csv' && f !== 'html' && f !== 'json') {
      throw new ValidationFailedError([{ path: 'format', message: 'must be one of csv, html, json' }], 'query');
    }
    const map = await this.dataMap.current();
    const ropa = buildRopa(map.manifest, map.version);
    void res.header('Cache-Control', 'no-store');
    if (f === 'csv') {
      void res.status(200).type('text/csv; charset=utf-8').header('Content-Disposition', 'attachment; filename="record-of-processing.csv"');
      void res.send(ropaCsv(ropa));
    } else if (f === 'html') void res.status(200).type('text/html; charset=utf-8').send(ropaHtml(ropa));
    else void res.status(200).send(ropa);
  }

  /**
   * A dry-run import (YAML or JSON body, as `POST /manifest`) that also reports, per changed
   * flow, how many known users would gain or lose it and how many calls blocked in the last
   * `days` (default 7) it would let through. Writes nothing.
   */
  @Post('impact')
  @ApiDoc('Dry-run import that reports, per changed flow, the users and recent calls whose outcome would change', { returns: 'ImpactReport', errors: [422] })
  @HttpCode(200)
  impact(@Body() body: unknown, @Query('days') days?: string, @Query('prune') prune?: string) {
    const n = days === undefined ? 7 : Number(days);
    const problems = [];
    if (!Number.isInteger(n) || n < 1 || n > 365) problems.push({ path: 'days', message: 'must be an integer from 1 to 365' });
    if (prune !== undefined && prune !== 'true' && prune !== 'false') problems.push({ path: 'prune', message: 'must be true or false' });
    if (problems.length > 0) throw new ValidationFailedError(problems, 'query');
    return this.impacts.impact(body, { days: n, prune: prune === 'true' });
  }

  /** Every change notice, newest first. */
  @Get('notices')
  @ApiDoc('Every change notice, newest first', { produces: { 'application/json': { schema: arrayOf('ChangeNotice') } } })
  list() {
    return this.notices.list();
  }

  @Get('notices/:id')
  @ApiDoc('One change notice', { returns: 'ChangeNotice', errors: [404] })
  get(@Param('id', ParseIntPipe) id: number) {
    return this.notices.get(id);
  }

  /** Makes a notice effective at once; `reason` is recorded and published with it. */
  @Post('notices/:id/override')
  @ApiDoc('Make a notice effective at once, with a recorded reason', { returns: 'ChangeNotice', errors: [404, 409] })
  @HttpCode(200)
  override(@Param('id', ParseIntPipe) id: number, @Body() body: { reason?: unknown }) {
    const reason = body?.reason;
    if (typeof reason !== 'string' || reason.trim().length < 10 || reason.length > 2000) {
      throw new ValidationFailedError([{ path: 'reason', message: 'must say why, in 10 to 2000 characters' }], 'override');
    }
    return this.notices.override(id, reason.trim());
  }

  /** Subscribes a URL to change notices; the signing secret is returned once. */
  @Post('webhooks')
  @ApiDoc('Subscribe a URL to change notices (the signing secret is shown once)', { status: 201, returns: 'WebhookCreated' })
  create(@Body() body: { url?: unknown; secret?: unknown }) {
    return this.webhooks.create(body ?? {});
  }

  @Get('webhooks')
  @ApiDoc('The webhook subscriptions', { produces: { 'application/json': { schema: arrayOf('Webhook') } } })
  listWebhooks() {
    return this.webhooks.list();
  }

  @Delete('webhooks/:id')
  @ApiDoc('Remove a webhook subscription', { status: 204, errors: [404] })
  @HttpCode(204)
  remove(@Param('id', ParseIntPipe) id: number) {
    return this.webhooks.remove(id);
  }

  /** The delivery log: each notice sent to this subscription, attempts and outcome. */
  @Get('webhooks/:id/deliveries')
  @ApiDoc("A subscription's delivery log", { produces: { 'application/json': { schema: arrayOf('WebhookDelivery') } }, errors: [404] })
  deliveries(@Param('id', ParseIntPipe) id: number) {
    return this.webhooks.deliveries(id);
  }
}
