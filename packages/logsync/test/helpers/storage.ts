/** Storage options that reach each harness server, as a logsync target or followLog takes them. */
import type { AzureInfo, GcsInfo, HdfsInfo, S3Info } from '../../../../test/servers/index';

export const s3Storage = (info: S3Info) => ({
  endpoint: info.endpoint,
  region: info.region,
  credentials: { ...info.credentials },
  forcePathStyle: info.forcePathStyle,
});

export const gcsStorage = (info: GcsInfo) => ({ apiEndpoint: info.apiEndpoint, projectId: info.projectId });

export const azureStorage = (info: AzureInfo) => ({
  accountName: info.accountName,
  accountKey: info.accountKey,
  accountUrl: info.blobEndpoint,
});

export const hdfsStorage = (info: HdfsInfo) => ({ url: info.namenodeUrl, user: info.user });
