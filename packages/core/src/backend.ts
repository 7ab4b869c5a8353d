/**
 * @omnifs/core/backend: the API for backend authors, beside the user API of `@omnifs/core`
 * (as OpenDAL's `raw` module is beside its operator).
 *
 * It holds what a backend implements against and the helpers it builds with: the hook
 * options (`WriterOptions`, `ReadOptions`), writers (`MultipartWriter`, `BufferedWriter`,
 * `ChunkQueue`, `pump`), the object-store template (`ObjectStoreFileSystem`), error and
 * option helpers (`errors`, `toFsError`, `defineOptions`), timeouts and backoff, paths and
 * globs, and the base of layers (`WrapperFileSystem`).
 *
 * ```ts
 * import { FileSystem, registerImplementation, type FileInfo } from '@omnifs/core';
 * import { errors, type ReadOptions } from '@omnifs/core/backend';
 * ```
 */
export { errors, toFsError, withContext, quote, NODE_CODES } from './errors';
export { DEFAULT_CAPABILITIES, type CapabilityFacts, type EnvironmentSetting } from './types';
export { CAPABILITY_HOOKS, deriveCapabilities, isHookCapability, type HookCapability } from './capabilities';
export * from './paths';
export * from './glob';
export { toBytes, isStreamSource, iterateSource, concatBytes, collectBytes, bytesBody } from './data';
export * from './batch';
export {
  ChunkQueue,
  MultipartWriter,
  BufferedWriter,
  prefilled,
  pump,
  DEFAULT_PART_SIZE,
  DEFAULT_PART_CONCURRENCY,
  type MultipartTarget,
  type MultipartOptions,
  type FillableWriter,
} from './writer';
export { DEFAULT_BLOCK_SIZE, type BlockSource } from './file';
export { BufferPool, LentBuffers, partBuffers } from './buffers';
export { isSecretKey, redact, redactEnvValue, redactUrl, scrubSecrets, hideSecrets } from './secrets';
export { isTemporaryName, temporarySibling } from './debris';
export { type WriterOptions, type ReadOptions } from './filesystem';
export { FileSystemBase } from './base';
export { backendHooks, type BackendHooks, type RmTreeOptions } from './hooks';
export {
  TIMEOUT_OPTION_NAMES,
  TIMEOUT_OPTION_SCHEMA,
  resolveTimeouts,
  timeoutError,
  asTimeout,
  IdleTimer,
  currentSignal,
  abortError,
  abortedWrite,
  SENT_GRACE_MS,
  sentAbortError,
  markSentWrite,
  sentWriteLost,
  withSignal,
  outsideSignal,
  abortable,
  requestSignal,
  bodyInPieces,
  timedFetch,
  connectFailed,
  connectTimeoutError,
  type UploadWatch,
  type FetchBody,
} from './timeouts';
export { RequestTimers, SentAbortGate } from './timers';
export { StreamedUpload, type StreamedAnswer, type StreamedUploadOptions } from './streamed';
export {
  preconnect,
  smallAnswer,
  smallRequest,
  streamAnswer,
  streamRequest,
  type SmallAnswer,
  type SmallRequestInit,
} from './request';
export {
  Http1Pool,
  type BodySink,
  type Http1Answer,
  type Http1Options,
  type Http1PoolOptions,
  type Http1Request,
} from './http1';
export { bypassesProxy, openTunnel, proxyAgents, proxyRoute, type ProxyRoute } from './proxy';
export { sendPooled, waitOrAbort, type PooledOptions } from './pooled';
export { escapeXml, unescapeXml, xmlBlocks, xmlElement, xmlText, xmlTexts, type XmlElement } from './xmlscan';
export { pagesAhead, type PageAnswer } from './paging';
export { backoffDelay, type BackoffBounds } from './backoff';
export { WRITE_ID_KEY, newWriteId, createOnce } from './create';
export {
  optionsOf,
  checkTargetPath,
  checkMode,
  normalizeOpenMode,
  checkV4Expiry,
  V4_SIGNED_URL_MAX_SECONDS,
  METHOD_OPTIONS,
  type CheckedMethod,
} from './args';
export { planCopy, type Step, type TransferPlanOptions } from './copyplan';
export { copyFiles, removePaths } from './transfer';
export {
  defineOptions,
  validateOptions,
  ownOptionSchema,
  parseEnvValue,
  isHttpUrl,
  nearestName,
  unknownOptionMessage,
  checkMethodOptions,
  positiveInt,
  resolveReadConcurrency,
  DEFAULT_READ_CONCURRENCY,
  COMMON_OPTIONS,
  type OptionSchema,
  type OptionSpec,
  type OptionType,
  type OptionSources,
} from './options';
export {
  optionsFromEnv,
  envOptions,
  localFileSystem,
  KNOWN_IMPLEMENTATIONS,
  registerKnownImplementation,
  type KnownImplementation,
  type EnvOptions,
} from './registry';
export { installStandIn, standInChanged, standInFor, type StandInView } from './standin';
export {
  isWrapperProtocol,
  registerWrapperProtocol,
  urlProtocols,
  layerOptionsOf,
  resolveUrl,
  checkSharedOptions,
  withHttpScheme,
  checkObjectStoreUrl,
  type OtherOptions,
} from './url';
export {
  WrapperFileSystem,
  WRAPPER_OPTIONS,
  positiveOption,
  nonNegativeOption,
  type WrapperOptions,
  type HookName,
} from './layers/wrapper';
export { mapLocalError } from './local/index';
export { localPath } from './local/paths';
export {
  ObjectStoreFileSystem,
  dirInfo,
  splitObjectPath,
  type ListRequest,
  type ObjectPage,
  type PutOptions,
  type RangeRequest,
  type UploadOptions,
} from './objectstore';
export { failedDelete } from './deletes';
export { formEncode, formQuery } from './query';
export { checkPinnedAnswer, checkPinnedHeaders, sameEtag } from './pinned';
export {
  checkRangeAnswer,
  checkRangeHeaders,
  cutWhole,
  parseContentRange,
  type ContentRange,
  type RangeAnswer,
  type RangeAnswerHead,
} from './rangeanswer';
export {
  fillSink,
  rangedSink,
  readRanges,
  readRangesAll,
  type FetchRange,
  type RangeReadOptions,
  type RangeResponse,
} from './parts';
