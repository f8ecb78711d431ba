import { Module } from '@nestjs/common';
import { ConsentModule } from '../consent/consent.module';
import { ChangeFeedService } from '../policy/change-feed.service';
import { ChangesController } from '../policy/changes.controller';
import { DecisionsController } from './decisions.controller';
import { DecisionsService } from './decisions.service';
import { PolicyController } from '../policy/policy.controller';
import { PolicyModule } from '../policy/policy.module';

/** The decision API, and the policy and change feed for SDKs (served from src/policy). */
@Module({
  imports: [PolicyModule, ConsentModule],
  controllers: [DecisionsController, PolicyController, ChangesController],
  providers: [DecisionsService, ChangeFeedService],
  exports: [DecisionsService],
})
export class DecisionsModule {}
