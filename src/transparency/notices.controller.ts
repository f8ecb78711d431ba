import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ValidationFailedError } from '../common/domain-error';
import { NoticesService } from './notices.service';
import { WebhooksService } from './webhooks.service';

/** Change notices and webhook subscriptions (admin). */
@ApiTags('transparency')
@ApiBearerAuth()
@Controller('api/v1')
export class NoticesController {
  constructor(
    private readonly notices: NoticesService,
    private readonly webhooks: WebhooksService,
  ) {}

  /** Every change notice, newest first. */
  @Get('notices')
  list() {
    return this.notices.list();
  }

  @Get('notices/:id')
  get(@Param('id', ParseIntPipe) id: number) {
    return this.notices.get(id);
  }

  /** Makes a notice effective at once; `reason` is recorded and published with it. */
  @Post('notices/:id/override')
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
  create(@Body() body: { url?: unknown; secret?: unknown }) {
    return this.webhooks.create(body ?? {});
  }

  @Get('webhooks')
  listWebhooks() {
    return this.webhooks.list();
  }

  @Delete('webhooks/:id')
  @HttpCode(204)
  remove(@Param('id', ParseIntPipe) id: number) {
    return this.webhooks.remove(id);
  }

  /** The delivery log: each notice sent to this subscription, attempts and outcome. */
  @Get('webhooks/:id/deliveries')
  deliveries(@Param('id', ParseIntPipe) id: number) {
    return this.webhooks.deliveries(id);
  }
}
