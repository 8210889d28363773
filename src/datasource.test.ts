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

  it('takes the sweep defaults from jsonData.kubernetes, 0 or absent meaning the backend default', () => {
    expect(ds.sweepDefaults).toEqual({ secondsPerStage: 60, maxStages: 10 });
    const configured = new DataSource(instanceSettings({ kubernetes: { secondsPerStage: 30, maxStages: 0 } }));
    expect(configured.sweepDefaults).toEqual({ secondsPerStage: 30, maxStages: 10 });
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

    it('asks the backend for namespaces', async () => {
      const { srv } = fakeBackendSrv({
        namespaces: { status: 200, data: { namespaces: ['llm'], warnings: null } },
      });
      setBackendSrv(srv);
      await expect(ds.getNamespaces()).resolves.toEqual({ namespaces: ['llm'], warnings: [] });
    });

    const sweep = {
      name: 'roi-mistral-3-int4-chat-1a2b3c-1',
      namespace: 'bench',
      model: 'mistral-3-int4',
      scenario: 'chat',
      status: 'pending',
      created: '2025-06-01T10:00:00Z',
      progress: { phase: 'waiting', stagesTotal: 4, stagesDone: 0 },
    };

    it('launches a sweep with POST /sweeps and shows no toast on failure (the editor shows it)', async () => {
      const { fetch, srv } = fakeBackendSrv({ 'POST sweeps': { status: 202, data: { sweep, created: true } } });
      setBackendSrv(srv);
      const request = { model: 'mistral-3-int4', scenario: 'chat', profile: 'constant' as const, rates: [1, 2] };
      await expect(ds.launchSweep(request)).resolves.toEqual({ sweep, created: true });
      expect(fetch).toHaveBeenCalledWith(
        expect.objectContaining({
          method: 'POST',
          url: '/api/datasources/uid/roi-test-uid/resources/sweeps',
          data: request,
          showErrorAlert: false,
        })
      );
    });

    it('reads and cancels one sweep by name', async () => {
      const path = `sweeps/${sweep.name}`;
      const { fetch, srv } = fakeBackendSrv({
        [`GET ${path}`]: { status: 200, data: { sweep } },
        [`DELETE ${path}`]: { status: 200, data: { deleted: sweep.name } },
      });
      setBackendSrv(srv);
      await expect(ds.getSweep(sweep.name)).resolves.toEqual(sweep);
      await expect(ds.cancelSweep(sweep.name)).resolves.toBeUndefined();
      expect(fetch).toHaveBeenLastCalledWith(
        expect.objectContaining({
          method: 'DELETE',
          url: `/api/datasources/uid/roi-test-uid/resources/${path}`,
          showErrorAlert: false,
        })
      );
    });

    it('rejects a cancel the backend refuses', async () => {
      const { srv } = fakeBackendSrv({
        'DELETE sweeps/x': {
          status: 403,
          data: { error: 'this call changes data and needs the Editor or Admin role' },
        },
      });
      setBackendSrv(srv);
      await expect(ds.cancelSweep('x')).rejects.toMatchObject({ status: 403 });
    });

    it('runs a probe with POST /probe', async () => {
      const result = { model: 'a', endpoint: 'http://a/v1', ttftMs: 80, itlMs: 12, tokens: 5, text: 'hi' };
      const { fetch, srv } = fakeBackendSrv({ 'POST probe': { status: 200, data: { results: [result] } } });
      setBackendSrv(srv);
      await expect(ds.probe({ models: ['a', 'b'], prompt: 'Hi' })).resolves.toEqual([result]);
      expect(fetch).toHaveBeenCalledWith(
        expect.objectContaining({ method: 'POST', data: { models: ['a', 'b'], prompt: 'Hi' } })
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
