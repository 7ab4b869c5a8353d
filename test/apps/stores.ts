/**
 * The four remote stores as an app reaches them: one app with every protocol package
 * installed as published, and for each store the options and environment a user gives
 * (keys from the environment, no region, the endpoint only where an emulator needs it).
 */
import { freshName, useServer } from '../servers/index';
import { type App, makeApp } from './app';

/** One store, as an app script is pointed at it. */
export interface StoreApp {
  /** `s3`, `gcs`, `azure`, `hdfs`: test titles begin with it. */
  name: string;
  /** How the app finds the store, for test titles. */
  how: string;
  /** The protocol `filesystem()` is given. */
  protocol: string;
  options: () => object;
  /** The child's environment beyond PATH and HOME. */
  env: () => Record<string, string>;
  /** A fresh directory (a bucket, a container, or a path) for one test. */
  dir: () => string;
}

/** Starts the four stores and installs one app with `files` for the suite; `app()` once `before` ran. */
export function useStoreApps(files: Record<string, string>): { app: () => App; stores: StoreApp[] } {
  const s3 = useServer('s3');
  const gcs = useServer('gcs');
  const azure = useServer('azure');
  const hdfs = useServer('hdfs');
  let app: App | undefined;
  before(async () => {
    app = await makeApp({
      packages: ['@omnifs/core', '@omnifs/s3', '@omnifs/gcs', '@omnifs/azure', '@omnifs/hdfs'],
      files,
    });
  });
  after(() => app?.remove());
  const stores: StoreApp[] = [
    {
      name: 's3',
      how: 'with keys from the environment and no region',
      protocol: 's3',
      options: () => ({ endpoint: s3.info.endpoint, forcePathStyle: true }),
      env: () => ({ AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' }),
      dir: () => freshName('app'),
    },
    {
      name: 'gcs',
      how: 'with the project from GOOGLE_CLOUD_PROJECT',
      protocol: 'gs',
      options: () => ({ apiEndpoint: gcs.info.apiEndpoint }),
      env: () => ({ GOOGLE_CLOUD_PROJECT: gcs.info.projectId }),
      dir: () => freshName('app'),
    },
    {
      name: 'azure',
      how: 'with AZURE_STORAGE_CONNECTION_STRING alone',
      protocol: 'az',
      options: () => ({}),
      env: () => ({ AZURE_STORAGE_CONNECTION_STRING: azure.info.connectionString }),
      dir: () => freshName('app'),
    },
    {
      name: 'hdfs',
      how: 'with OMNIFS_HDFS_URL and HADOOP_USER_NAME alone',
      protocol: 'hdfs',
      options: () => ({}),
      env: () => ({ OMNIFS_HDFS_URL: hdfs.info.namenodeUrl, HADOOP_USER_NAME: hdfs.info.user }),
      dir: () => `/${freshName('app')}`,
    },
  ];
  return {
    app: () => {
      if (app === undefined) throw new Error('the app is installed in before()');
      return app;
    },
    stores,
  };
}
