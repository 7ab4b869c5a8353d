/**
 * A TensorFlow.js `IOHandler` on any omnifs URL: `model.save(omnifsIO(url))` and
 * `tf.loadLayersModel(omnifsIO(url))`. Duck-typed like the training callback, so this
 * package depends on neither TensorFlow.js nor its native binding.
 */
import { urlToFs, type Source } from '@omnifs/core';
import { errors, joinPath } from '@omnifs/core/backend';
import type { CheckpointProgress } from '../checkpoints';

/** What tfjs hands to `save` and expects from `load` (`tf.io.ModelArtifacts`, the fields used here). */
export interface TfjsModelArtifacts {
  modelTopology?: object | ArrayBuffer;
  weightSpecs?: object[];
  weightData?: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: object;
  signature?: object;
  userDefinedMetadata?: Record<string, unknown>;
  modelInitializer?: object;
  initializerSignature?: object;
}

/** What `save` resolves with (`tf.io.SaveResult`). */
export interface TfjsSaveResult {
  modelArtifactsInfo: {
    dateSaved: Date;
    modelTopologyType: 'JSON';
    modelTopologyBytes?: number;
    weightSpecsBytes?: number;
    weightDataBytes?: number;
  };
}

/** Options of {@link omnifsIO}. */
export interface OmnifsIOOptions {
  /** Options of the target filesystem, as `urlToFs(url, options)` takes them. */
  storageOptions?: Record<string, unknown>;
  /** Called as the weights are uploaded. */
  onProgress?: (progress: CheckpointProgress) => void;
}

const WEIGHTS = 'weights.bin';
const MODEL = 'model.json';
const ARTIFACT_KEYS = [
  'modelTopology',
  'format',
  'generatedBy',
  'convertedBy',
  'trainingConfig',
  'signature',
  'userDefinedMetadata',
  'modelInitializer',
  'initializerSignature',
] as const;

function concat(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return Array.isArray(data) ? Buffer.concat(data.map((b) => new Uint8Array(b))) : new Uint8Array(data);
}

async function* inParts(data: Uint8Array, onProgress: OmnifsIOOptions['onProgress']): AsyncGenerator<Uint8Array> {
  const totalBytes = data.byteLength;
  onProgress?.({ bytes: 0, totalBytes });
  for (let at = 0; at < totalBytes; at += 1024 * 1024) {
    const end = Math.min(totalBytes, at + 1024 * 1024);
    yield data.subarray(at, end);
    onProgress?.({ bytes: end, totalBytes });
  }
}

/**
 * An IOHandler that saves a model as `<url>/model.json` + `<url>/weights.bin` (the layout
 * of tfjs's `file://` and `http://` handlers) and loads it back, on any backend.
 *
 * ```ts
 * await model.save(omnifsIO('s3://bucket/exp/run-42/checkpoints/ckpt-5'));
 * const again = await tf.loadLayersModel(omnifsIO('s3://bucket/exp/run-42/checkpoints/ckpt-5'));
 * ```
 *
 * The artifacts type is inferred from where the handler goes (tfjs's `IOHandler`), so no
 * tfjs types are needed here.
 *
 * Behaviour: the weights are streamed first (in 1 MiB parts, with `onProgress`), then
 * `model.json`, so a checkpoint whose `model.json` exists is complete; `load` reads every
 * path of the weights manifest, relative to `url`.
 */
export function omnifsIO<Artifacts extends object = TfjsModelArtifacts>(
  url: string,
  options: OmnifsIOOptions = {},
): {
  save(artifacts: Artifacts): Promise<TfjsSaveResult>;
  load(): Promise<Artifacts>;
} {
  if (typeof url !== 'string' || url === '') throw errors.invalid('omnifsIO needs a URL');
  for (const key of Object.keys(options)) {
    if (key !== 'storageOptions' && key !== 'onProgress') throw errors.invalid(`omnifsIO has no option ${key}`);
  }
  const { fs, path } = urlToFs(url, options.storageOptions ?? {});
  const dir = path.replace(/\/+$/, '');
  return {
    async save(given) {
      const artifacts = given as TfjsModelArtifacts;
      if (artifacts.modelTopology instanceof ArrayBuffer)
        throw errors.unsupported('omnifsIO saves JSON model topologies only');
      const weights = concat(artifacts.weightData);
      await fs.makedirs(dir, { existOk: true });
      await fs.pipeFile(joinPath(dir, WEIGHTS), inParts(weights, options.onProgress) as Source);
      const model: Record<string, unknown> = {
        weightsManifest: [{ paths: [WEIGHTS], weights: artifacts.weightSpecs ?? [] }],
      };
      for (const key of ARTIFACT_KEYS) if (artifacts[key] !== undefined) model[key] = artifacts[key];
      const json = JSON.stringify(model);
      await fs.pipeFile(joinPath(dir, MODEL), json);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology ?? null).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weights.byteLength,
        },
      };
    },
    async load() {
      const model = JSON.parse(await fs.readText(joinPath(dir, MODEL))) as Record<string, unknown> & {
        weightsManifest?: { paths: string[]; weights: object[] }[];
      };
      const manifest = model.weightsManifest ?? [];
      const parts: Uint8Array[] = [];
      const weightSpecs: object[] = [];
      for (const group of manifest) {
        for (const p of group.paths) parts.push(await fs.catFile(joinPath(dir, p)));
        weightSpecs.push(...group.weights);
      }
      const data = Buffer.concat(parts);
      const artifacts: TfjsModelArtifacts = {
        weightSpecs,
        weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
      };
      for (const key of ARTIFACT_KEYS)
        if (model[key] !== undefined) (artifacts as Record<string, unknown>)[key] = model[key];
      return artifacts as Artifacts;
    },
  };
}
