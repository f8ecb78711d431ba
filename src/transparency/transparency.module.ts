import { Module, type OnModuleInit } from '@nestjs/common';
import { DataMapModule } from '../data-map/data-map.module';
import { ImpactService } from './impact.service';
import { NoticesController } from './notices.controller';
import { NoticesService } from './notices.service';
import { TransparencyController } from './transparency.controller';
import { NOTICE_FEED, TransparencyService } from './transparency.service';
import { WebhooksService } from './webhooks.service';

@Module({
  imports: [DataMapModule],
  controllers: [TransparencyController, NoticesController],
  providers: [TransparencyService, NoticesService, WebhooksService, ImpactService, { provide: NOTICE_FEED, useExisting: NoticesService }],
  exports: [TransparencyService, NoticesService, ImpactService],
})
export class TransparencyModule implements OnModuleInit {
  constructor(
    private readonly notices: NoticesService,
    private readonly webhooks: WebhooksService,
  ) {}

  onModuleInit(): void {
    this.webhooks.noticeById = (id) => this.notices.get(id);
  }
}
