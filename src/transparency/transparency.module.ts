import { Module } from '@nestjs/common';
import { DataMapModule } from '../data-map/data-map.module';
import { TransparencyController } from './transparency.controller';
import { NOTICE_FEED, TransparencyService, type NoticeFeed } from './transparency.service';

const noNotices: NoticeFeed = { version: () => Promise.resolve('0'), list: () => Promise.resolve([]) };

@Module({
  imports: [DataMapModule],
  controllers: [TransparencyController],
  providers: [TransparencyService, { provide: NOTICE_FEED, useValue: noNotices }],
  exports: [TransparencyService],
})
export class TransparencyModule {}
