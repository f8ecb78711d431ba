import { Module } from '@nestjs/common';
import { DataMapModule } from '../data-map/data-map.module';
import { PolicyModule } from '../decisions/policy.module';
import { ConsentsCache } from './consent-cache.service';
import { ConsentService } from './consent.service';
import { ConsentWriter } from './consent-writer';
import { MeController } from './me.controller';
import { PreferencesService } from './preferences.service';
import { UsersConsentController } from './users-consent.controller';

@Module({
  imports: [DataMapModule, PolicyModule],
  controllers: [MeController, UsersConsentController],
  providers: [ConsentService, ConsentWriter, ConsentsCache, PreferencesService],
  exports: [ConsentService, ConsentsCache, PreferencesService],
})
export class ConsentModule {}
