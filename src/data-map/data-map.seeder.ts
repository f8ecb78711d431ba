import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { FLOWGATE_CONFIG, type FlowgateConfig } from '../config/configuration';
import { DataMapService } from './data-map.service';

/** Loads the example map (FLOWGATE_SEED_MANIFEST) when the database has never held one. */
@Injectable()
export class DataMapSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('DataMap');

  constructor(
    @Inject(FLOWGATE_CONFIG) private readonly config: FlowgateConfig,
    private readonly dataMap: DataMapService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.seedManifest) return;
    const current = await this.dataMap.current();
    if (current.version > 0) return;
    const text = await readFile(this.config.seedManifest, 'utf8');
    const result = await this.dataMap.importManifestDocument(text);
    this.logger.log(
      `Empty database: loaded ${this.config.seedManifest} (${result.diff.flows.added.length} flows, ${result.diff.subprocessors.added.length} subprocessors)`,
    );
  }
}
