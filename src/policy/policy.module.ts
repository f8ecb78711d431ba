import { Module } from '@nestjs/common';
import { DataMapModule } from '../data-map/data-map.module';
import { ChangeLogService } from './change-log.service';
import { PolicyService } from './policy.service';

/** The compiled policy cache and the change log: used by consent and by the decision API. */
@Module({
  imports: [DataMapModule],
  providers: [PolicyService, ChangeLogService],
  exports: [PolicyService, ChangeLogService],
})
export class PolicyModule {}
