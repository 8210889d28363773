import { createDataFrame, CustomVariableSupport, DataQueryRequest, DataQueryResponse, FieldType } from '@grafana/data';
import { from, map, Observable } from 'rxjs';

import { VariableQueryEditor } from './components/VariableQueryEditor';
import type { DataSource } from './datasource';
import { RoiVariableQuery } from './types';

/**
 * Template variables for models, scenarios and namespaces, answered by the same resource calls the
 * query editor's pickers use (GET /models, GET /scenarios, GET /namespaces).
 */
export class RoiVariableSupport extends CustomVariableSupport<DataSource, RoiVariableQuery> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: DataSource) {
    super();
  }

  query(request: DataQueryRequest<RoiVariableQuery>): Observable<DataQueryResponse> {
    const query = request.targets[0];
    return from(this.names(query)).pipe(
      map((values) => ({
        data: [createDataFrame({ refId: query?.refId, fields: [{ name: 'text', type: FieldType.string, values }] })],
      }))
    );
  }

  private async names(query: RoiVariableQuery | undefined): Promise<string[]> {
    switch (query?.kind) {
      case 'scenarios':
        return (await this.datasource.getScenarios()).scenarios;
      case 'namespaces':
        return (await this.datasource.getNamespaces()).namespaces;
      default:
        // A new variable has no kind yet: it lists models, as its editor shows.
        return (await this.datasource.getModels(query?.namespace)).models;
    }
  }
}
