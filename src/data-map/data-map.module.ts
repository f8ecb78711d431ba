import { Module } from '@nestjs/common';
import { DataMapSeeder } from './data-map.seeder';
import { DataMapService } from './data-map.service';
import { DataMapStore } from './data-map.store';
import { FieldsController } from './fields.controller';
import { FlowsController } from './flows.controller';
import { ManifestController } from './manifest.controller';
import { PurposesController } from './purposes.controller';
import { SubprocessorsController } from './subprocessors.controller';
import { MapHistoryController } from './map-history.controller';

@Module({
  controllers: [
    FieldsController,
    PurposesController,
    SubprocessorsController,
    FlowsController,
    ManifestController,
    MapHistoryController,
  ],
  providers: [DataMapService, DataMapStore, DataMapSeeder],
  exports: [DataMapService],
})
export class DataMapModule {}
