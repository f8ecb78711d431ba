import { Module } from '@nestjs/common';
import { ConsentModule } from '../consent/consent.module';
import { ChangeFeedService } from './change-feed.service';
import { ChangesController } from './changes.controller';
import { DecisionsController } from './decisions.controller';
import { DecisionsService } from './decisions.service';
import { PolicyController } from './policy.controller';
import { PolicyModule } from './policy.module';

/** The decision API, the policy for SDKs and the change feed. */
@Module({
  imports: [PolicyModule, ConsentModule],
  controllers: [DecisionsController, PolicyController, ChangesController],
  providers: [DecisionsService, ChangeFeedService],
  exports: [DecisionsService],
})
export class DecisionsModule {}
