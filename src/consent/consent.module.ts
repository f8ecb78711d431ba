import { Logger, Module } from '@nestjs/common';
import { FLOWGATE_CONFIG, type FlowgateConfig } from '../config/configuration';
import { DataMapModule } from '../data-map/data-map.module';
import { PolicyModule } from '../policy/policy.module';
import { ConsentsCache } from './consent-cache.service';
import { ConsentService } from './consent.service';
import { ConsentCheckpoints } from './consent-checkpoints';
import { ConsentWriter } from './consent-writer';
import { MeController } from './me.controller';
import { PreferencesService } from './preferences.service';
import { RECEIPT_KEY, resolveReceiptKey } from './receipt-signer';
import { ReceiptsController } from './receipts.controller';
import { UsersConsentController } from './users-consent.controller';

@Module({
  imports: [DataMapModule, PolicyModule],
  controllers: [MeController, UsersConsentController, ReceiptsController],
  providers: [
    ConsentService,
    ConsentWriter,
    ConsentCheckpoints,
    ConsentsCache,
    PreferencesService,
    {
      provide: RECEIPT_KEY,
      inject: [FLOWGATE_CONFIG],
      useFactory: (config: FlowgateConfig) => {
        const key = resolveReceiptKey(config);
        if (key.origin === 'generated') new Logger('Consent').log(`Receipt signing key created: ${key.file} (kid ${key.jwk.kid})`);
        return key;
      },
    },
  ],
  exports: [ConsentService, ConsentsCache, PreferencesService],
})
export class ConsentModule {}
