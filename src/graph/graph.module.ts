import { Module } from '@nestjs/common';
import { DataMapModule } from '../data-map/data-map.module';
import { GraphController } from './graph.controller';
import { GraphService } from './graph.service';

@Module({
  imports: [DataMapModule],
  controllers: [GraphController],
  providers: [GraphService],
})
export class GraphModule {}
