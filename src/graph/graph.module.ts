import { Module } from '@nestjs/common';
import { ConsentModule } from '../consent/consent.module';
import { DataMapModule } from '../data-map/data-map.module';
import { PolicyModule } from '../policy/policy.module';
import { GraphController } from './graph.controller';
import { GraphService } from './graph.service';
import { MeGraphController } from './me-graph.controller';

@Module({
  imports: [DataMapModule, PolicyModule, ConsentModule],
  controllers: [GraphController, MeGraphController],
  providers: [GraphService],
})
export class GraphModule {}
