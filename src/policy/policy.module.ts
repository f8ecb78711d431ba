import { Module } from '@nestjs/common';
import { DataMapModule } from '../data-map/data-map.module';
import { PolicyService } from './policy.service';

/** The compiled policy cache: used by consent and by the decision API. */
@Module({
  imports: [DataMapModule],
  providers: [PolicyService],
  exports: [PolicyService],
})
export class PolicyModule {}
