import { CoreApp, ScopedVars } from '@grafana/data';
import { setBackendSrv, setTemplateSrv } from '@grafana/runtime';

import { DataSource } from './datasource';
import { fakeBackendSrv, FakeTemplateSrv, instanceSettings } from './test-utils/fakes';
import { RoiQuery } from './types';

describe('DataSource', () => {
  let ds: DataSource;

  beforeEach(() => {
    setTemplateSrv(
      new FakeTemplateSrv({
        model: ['mistral-3-int4', 'mistral-3-bf16'],
        scenario: 'chat',
        ns: 'llm-serving',
        target_load: '20',
        metric: 'itl_p95',
        empty: [],
      })
    );
    ds = new DataSource(instanceSettings());
  });

  describe('applyTemplateVariables', () => {
    it('expands a multi-value variable into the models list and keeps literal names', () => {
      const q = ds.applyTemplateVariables(
        { refId: 'A', queryType: 'breakingPoints', models: ['$model', 'granite-8b'], scenarios: ['${scenario}'] },
        {}
      );
      expect(q.models).toEqual(['mistral-3-int4', 'mistral-3-bf16', 'granite-8b']);
      expect(q.scenarios).toEqual(['chat']);
    });

    it('drops duplicates and empty values, so an empty variable means all', () => {
      const q = ds.applyTemplateVariables(
        { refId: 'A', queryType: 'runs', models: ['$model', 'mistral-3-int4', '$empty', ' '], scenarios: [] },
        {}
      );
      expect(q.models).toEqual(['mistral-3-int4', 'mistral-3-bf16']);
      expect(q.scenarios).toEqual([]);
    });

    it('lets scoped variables (repeated panels) win over dashboard variables', () => {
      const scoped: ScopedVars = { model: { text: 'granite-8b', value: 'granite-8b' } };
      const q = ds.applyTemplateVariables({ refId: 'A', queryType: 'status', models: ['$model'] }, scoped);
      expect(q.models).toEqual(['granite-8b']);
    });

    it('turns a $target_load variable into a number', () => {
      const q = ds.applyTemplateVariables(
        { refId: 'A', queryType: 'roi', models: [], scenarios: [], targetLoad: '$target_load' },
        {}
      );
      expect(q.targetLoad).toBe(20);
      expect(JSON.stringify(q)).toContain('"targetLoad":20');
    });

    it('keeps a numeric targetLoad and leaves text that is no number for the backend to name', () => {
      expect(ds.applyTemplateVariables({ refId: 'A', queryType: 'roi', targetLoad: 12.5 }, {}).targetLoad).toBe(12.5);
      expect(ds.applyTemplateVariables({ refId: 'A', queryType: 'roi', targetLoad: '$unknown' }, {}).targetLoad).toBe(
        '$unknown'
      );
      expect(
        ds.applyTemplateVariables({ refId: 'A', queryType: 'roi', targetLoad: ' ' }, {}).targetLoad
      ).toBeUndefined();
    });

    it('interpolates namespace, metric and legendFormat of live queries', () => {
      const q = ds.applyTemplateVariables(
        {
          refId: 'A',
          queryType: 'metrics',
          metric: '$metric' as RoiQuery['metric'],
          namespace: '$ns',
          legendFormat: '{{model}} in $ns',
          models: ['$model'],
        },
        {}
      );
      expect(q).toEqual({
        refId: 'A',
        queryType: 'metrics',
        metric: 'itl_p95',
        namespace: 'llm-serving',
        legendFormat: '{{model}} in llm-serving',
        models: ['mistral-3-int4', 'mistral-3-bf16'],
        scenarios: undefined,
      });
    });

    it('adds no fields a query does not have', () => {
      const q = ds.applyTemplateVariables({ refId: 'A', queryType: 'efficiency', models: [], instant: true }, {});
      expect(JSON.parse(JSON.stringify(q))).toEqual({ refId: 'A', queryType: 'efficiency', models: [], instant: true });
    });
  });

  it('runs only queries that have a query type', () => {
    expect(ds.filterQuery({ refId: 'A', queryType: 'roi' })).toBe(true);
    expect(ds.filterQuery({ refId: 'A' })).toBe(false);
  });

  it('opens Explore with a breaking-points query and annotations with run windows', () => {
    expect(ds.getDefaultQuery(CoreApp.Explore)).toEqual({
      queryType: 'breakingPoints',
      models: [],
      scenarios: [],
      latestOnly: false,
    });
    expect(ds.annotations?.getDefaultQuery?.()).toEqual({
      queryType: 'annotations',
      models: [],
      scenarios: [],
      latestOnly: false,
    });
  });

  describe('resource calls', () => {
    it('asks the backend for models, passing the interpolated namespace', async () => {
      const { fetch, srv } = fakeBackendSrv({
        models: { status: 200, data: { models: ['mistral-3-bf16', 'mistral-3-int4'], warnings: null } },
      });
      setBackendSrv(srv);
      await expect(ds.getModels('$ns')).resolves.toEqual({
        models: ['mistral-3-bf16', 'mistral-3-int4'],
        warnings: [],
      });
      expect(fetch).toHaveBeenCalledWith(
        expect.objectContaining({
          method: 'GET',
          url: '/api/datasources/uid/roi-test-uid/resources/models',
          params: { namespace: 'llm-serving' },
        })
      );
    });

    it('asks the backend for scenarios and passes its warnings on', async () => {
      const { fetch, srv } = fakeBackendSrv({
        scenarios: { status: 200, data: { scenarios: ['chat', 'stress'], warnings: ['results store: timeout'] } },
      });
      setBackendSrv(srv);
      await expect(ds.getScenarios()).resolves.toEqual({
        scenarios: ['chat', 'stress'],
        warnings: ['results store: timeout'],
      });
      expect(fetch).toHaveBeenCalledWith(
        expect.objectContaining({ url: '/api/datasources/uid/roi-test-uid/resources/scenarios' })
      );
    });

    it('rejects with the backend answer when the call fails', async () => {
      const { srv } = fakeBackendSrv({ models: { status: 502, data: { error: 'results store: no such bucket' } } });
      setBackendSrv(srv);
      await expect(ds.getModels()).rejects.toMatchObject({
        status: 502,
        data: { error: 'results store: no such bucket' },
      });
    });
  });
});
