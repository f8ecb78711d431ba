import { Injectable } from '@nestjs/common';
import { ValidationFailedError, type Problem } from '../common/domain-error';
import { DataMapService } from '../data-map/data-map.service';
import type { GraphQueryDto } from './dto/graph-query.dto';
import { projectGraph } from './graph.projection';
import type { GraphQuery, GraphResponse } from './graph.types';

/** Serves the graph projection of the current data map. */
@Injectable()
export class GraphService {
  constructor(private readonly dataMap: DataMapService) {}

  async graph(dto: GraphQueryDto): Promise<GraphResponse> {
    const map = await this.dataMap.current();
    const query = normalizeQuery(dto);
    const problems: Problem[] = [];
    const unknown = (path: keyof GraphQuery, kind: string, keys: ReadonlyMap<string, number>) => {
      const key = query[path];
      if (typeof key === 'string' && !keys.has(key)) {
        problems.push({ path, message: `no ${kind} "${key}" in the data map` });
      }
    };
    unknown('field', 'field', map.ids.fields);
    unknown('subprocessor', 'subprocessor', map.ids.subprocessors);
    unknown('purpose', 'purpose', map.ids.purposes);
    if (problems.length > 0) throw new ValidationFailedError(problems, 'graph query');
    return projectGraph(map, query);
  }
}

/** The query as applied: blank text is no filter, flags default to false. */
export function normalizeQuery(dto: GraphQueryDto): GraphQuery {
  const q = dto.q?.trim();
  return {
    ...(dto.field ? { field: dto.field } : {}),
    ...(dto.subprocessor ? { subprocessor: dto.subprocessor } : {}),
    ...(dto.purpose ? { purpose: dto.purpose } : {}),
    ...(dto.mode ? { mode: dto.mode } : {}),
    ...(dto.region ? { region: dto.region } : {}),
    ...(dto.sensitivity ? { sensitivity: dto.sensitivity } : {}),
    ...(q ? { q } : {}),
    excluded: dto.excluded ?? false,
    purposes: dto.purposes ?? false,
  };
}
