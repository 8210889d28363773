// Bundles the browser test's host page (host.tsx with React and the @grafana/* packages from npm)
// into .cache/browser/host/host.js. The plugin itself is not part of it: the page loads the built
// dist/module.js as Grafana does.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default {
  mode: 'development',
  devtool: false,
  context: root,
  entry: './tests/browser/host.tsx',
  output: { path: path.join(root, '.cache/browser/host'), filename: 'host.js', publicPath: '/host/', clean: true },
  resolve: { extensions: ['.tsx', '.ts', '.mjs', '.js', '.json'] },
  cache: { type: 'filesystem', cacheDirectory: path.join(root, '.cache/browser/webpack') },
  performance: { hints: false },
  module: {
    rules: [
      {
        test: /\.tsx?$/,
        exclude: /node_modules/,
        use: {
          loader: 'swc-loader',
          options: {
            jsc: {
              parser: { syntax: 'typescript', tsx: true },
              transform: { react: { runtime: 'automatic' } },
              target: 'es2020',
            },
          },
        },
      },
      { test: /\.m?js$/, resolve: { fullySpecified: false } },
      { test: /\.css$/, use: ['style-loader', 'css-loader'] },
      { test: /\.(svg|png|jpe?g|gif|woff2?|ttf|eot)$/, type: 'asset/resource' },
    ],
  },
};
