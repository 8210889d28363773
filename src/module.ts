import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import { RoiDataSourceOptions, RoiQuery, RoiSecureJsonData } from './types';

export const plugin = new DataSourcePlugin<DataSource, RoiQuery, RoiDataSourceOptions, RoiSecureJsonData>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
