import { createDataFrame, CustomVariableSupport, DataQueryRequest, DataQueryResponse, FieldType } from '@grafana/data';
import { from, map, Observable } from 'rxjs';

import { VariableQueryEditor } from './components/VariableQueryEditor';
import type { DataSource } from './datasource';
import { RoiVariableQuery } from './types';

/**
 * Template variables for models and scenarios, answered by the same resource calls the query
 * editor's pickers use (GET /models, GET /scenarios).
 */
export class RoiVariableSupport extends CustomVariableSupport<DataSource, RoiVariableQuery> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: DataSource) {
    super();
  }

  query(request: DataQueryRequest<RoiVariableQuery>): Observable<DataQueryResponse> {
    const query = request.targets[0];
    // A new variable has no kind yet: it lists models, as its editor shows.
    const names =
      query?.kind === 'scenarios'
        ? this.datasource.getScenarios().then((res) => res.scenarios)
        : this.datasource.getModels(query?.namespace).then((res) => res.models);
    return from(names).pipe(
      map((values) => ({
        data: [createDataFrame({ refId: query?.refId, fields: [{ name: 'text', type: FieldType.string, values }] })],
      }))
    );
  }
}
