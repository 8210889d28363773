import { DataQueryRequest } from '@grafana/data';
import { setBackendSrv, setTemplateSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';

import { DataSource } from './datasource';
import { fakeBackendSrv, FakeTemplateSrv, instanceSettings } from './test-utils/fakes';
import { RoiVariableQuery } from './types';
import { RoiVariableSupport } from './variables';

function request(target: Partial<RoiVariableQuery>): DataQueryRequest<RoiVariableQuery> {
  return { targets: [{ refId: 'var', ...target }] } as DataQueryRequest<RoiVariableQuery>;
}

describe('RoiVariableSupport', () => {
  beforeEach(() => setTemplateSrv(new FakeTemplateSrv({ ns: 'llm-serving' })));

  it('is the data source variable support', () => {
    expect(new DataSource(instanceSettings()).variables).toBeInstanceOf(RoiVariableSupport);
  });

  it('lists the models of a namespace as a string field', async () => {
    const { fetch, srv } = fakeBackendSrv({ models: { status: 200, data: { models: ['a', 'b'], warnings: [] } } });
    setBackendSrv(srv);
    const support = new RoiVariableSupport(new DataSource(instanceSettings()));
    const res = await lastValueFrom(support.query(request({ kind: 'models', namespace: '$ns' })));
    expect(res.data[0].fields.map((f: { name: string; values: unknown[] }) => [f.name, f.values])).toEqual([
      ['text', ['a', 'b']],
    ]);
    expect(fetch).toHaveBeenCalledWith(expect.objectContaining({ params: { namespace: 'llm-serving' } }));
  });

  it('lists models when a new variable has no kind yet, and scenarios when asked', async () => {
    const { srv } = fakeBackendSrv({
      models: { status: 200, data: { models: ['m'] } },
      scenarios: { status: 200, data: { scenarios: ['chat', 'rag'] } },
    });
    setBackendSrv(srv);
    const support = new RoiVariableSupport(new DataSource(instanceSettings()));
    const models = await lastValueFrom(support.query(request({})));
    expect(models.data[0].fields[0].values).toEqual(['m']);
    const scenarios = await lastValueFrom(support.query(request({ kind: 'scenarios' })));
    expect(scenarios.data[0].fields[0].values).toEqual(['chat', 'rag']);
  });

  it('lists the namespaces with vLLM series', async () => {
    const { fetch, srv } = fakeBackendSrv({
      namespaces: { status: 200, data: { namespaces: ['llm', 'llm-serving'], warnings: null } },
    });
    setBackendSrv(srv);
    const support = new RoiVariableSupport(new DataSource(instanceSettings()));
    const res = await lastValueFrom(support.query(request({ kind: 'namespaces' })));
    expect(res.data[0].fields[0].values).toEqual(['llm', 'llm-serving']);
    expect(fetch).toHaveBeenCalledWith(
      expect.objectContaining({ url: '/api/datasources/uid/roi-test-uid/resources/namespaces' })
    );
  });

  it('fails the variable with the backend error', async () => {
    const { srv } = fakeBackendSrv({ scenarios: { status: 500, data: { error: 'boom' } } });
    setBackendSrv(srv);
    const support = new RoiVariableSupport(new DataSource(instanceSettings()));
    await expect(lastValueFrom(support.query(request({ kind: 'scenarios' })))).rejects.toMatchObject({
      data: { error: 'boom' },
    });
  });
});
