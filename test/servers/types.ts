/** Types shared by the server modules and the suite-facing API. */
import type { ServerProcess } from './util';

/** A server started by the harness (or an external one named by environment variables). */
export interface StartedServer<I> {
  /** How clients connect. */
  readonly info: I;
  /** Milliseconds spent installing before this start (0 when everything was cached). */
  readonly installMs: number;
  /** Milliseconds from spawning the process to its first successful answer. */
  readonly startMs: number;
  /** The process, or undefined for an external server. */
  readonly proc: ServerProcess | undefined;
  /** Stops the process (no-op for an external server). */
  stop(): Promise<void>;
}

/** Connection info for the S3 server (moto). Pass straight into `new S3Client(...)`. */
export interface S3Info {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly forcePathStyle: boolean;
  /** Set for an external server: tests use this bucket with a fresh prefix instead of a new bucket. */
  readonly bucket: string | undefined;
  /** Clears all state (moto's `POST /moto-api/reset`); undefined where there is no cheap reset. */
  readonly reset: (() => Promise<void>) | undefined;
}

/** Connection info for the GCS server (fake-gcs-server). Use `new Storage({ apiEndpoint, projectId })`. */
export interface GcsInfo {
  readonly apiEndpoint: string;
  readonly projectId: string;
  /** Set for an external server: tests use this bucket with a fresh prefix. */
  readonly bucket: string | undefined;
}

/** Connection info for the Azure Blob server (Azurite). */
export interface AzureInfo {
  readonly connectionString: string;
  readonly accountName: string;
  readonly accountKey: string;
  /** e.g. `http://127.0.0.1:PORT/devstoreaccount1` */
  readonly blobEndpoint: string;
  /** Set for an external account: tests use this container with a fresh prefix. */
  readonly container: string | undefined;
}

/** Connection info for HDFS (MiniDFSCluster with WebHDFS). */
export interface HdfsInfo {
  /** Namenode HTTP base, e.g. `http://127.0.0.1:PORT`. */
  readonly namenodeUrl: string;
  /** `namenodeUrl + '/webhdfs/v1'`. */
  readonly webhdfsUrl: string;
  /** Sent as `user.name` (permissions are off on the harness's cluster). */
  readonly user: string;
  /** Namenode RPC port (hdfs://127.0.0.1:PORT), undefined for an external server. */
  readonly rpcPort: number | undefined;
  /** Datanode HTTP port that WebHDFS redirects to, undefined for an external server. */
  readonly datanodeHttpPort: number | undefined;
}

/** The servers the harness knows. */
export type ServerKind = 's3' | 'gcs' | 'azure' | 'hdfs';

/** Connection info type per server kind. */
export interface InfoByKind {
  s3: S3Info;
  gcs: GcsInfo;
  azure: AzureInfo;
  hdfs: HdfsInfo;
}
