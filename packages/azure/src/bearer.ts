/**
 * Bearer tokens of the lean path, from a Microsoft Entra ID `TokenCredential`, kept as
 * the SDK's bearer policy keeps them: one token at a time, asked for again shortly before
 * it expires (or from its `refreshAfterTimestamp`), one request for it however many
 * requests wait, the current one used while it is still valid if asking again fails
 * (asking again 3 s later at the earliest).
 */

/** The token a credential gives. */
interface AccessToken {
  token: string;
  expiresOnTimestamp: number;
  refreshAfterTimestamp?: number;
}

/** What the lean path asks of a token credential (`@azure/core-auth`'s `TokenCredential`). */
export interface TokenSource {
  getToken(
    scopes: string | string[],
    options?: { abortSignal?: AbortSignal; tenantId?: string },
  ): Promise<AccessToken | null>;
}

/** Tokens are asked for again this long before they expire, as the SDK does. */
const REFRESH_BEFORE_MS = 2 * 60_000;

/** After a failed renewal, a token that is still valid is used this long before asking again (the SDK's interval). */
const RETRY_AFTER_MS = 3000;

/** The scope of the storage service, the SDK's default audience. */
export const STORAGE_SCOPE = 'https://storage.azure.com/.default';

/** The bearer tokens of one filesystem. */
export class BearerTokens {
  private current: AccessToken | undefined;
  private pending: Promise<AccessToken> | undefined;
  private tenantId: string | undefined;
  /** No renewal before this time, after one failed. */
  private retryAt = 0;
  /** Counts the challenges taken: a request sent before the last one may try again with the new token. */
  generation = 0;

  constructor(
    private readonly credential: TokenSource,
    private scope: string | string[],
  ) {}

  /** The `Authorization` header value: a current token, asked for first when there is none or it is about to expire. */
  async header(): Promise<string> {
    const now = Date.now();
    const t = this.current;
    const fresh =
      t !== undefined &&
      now < t.expiresOnTimestamp - REFRESH_BEFORE_MS &&
      (t.refreshAfterTimestamp === undefined || now < t.refreshAfterTimestamp);
    const valid = t !== undefined && now < t.expiresOnTimestamp;
    if (fresh || (valid && now < this.retryAt)) return `Bearer ${t.token}`;
    try {
      return `Bearer ${(await this.fetch()).token}`;
    } catch (err) {
      // Asking again failed: a token that has not expired yet still serves, for a while.
      if (valid) {
        this.retryAt = Date.now() + RETRY_AFTER_MS;
        return `Bearer ${t.token}`;
      }
      throw err;
    }
  }

  /**
   * Takes a 401's `WWW-Authenticate` challenge (`authorization_uri` naming the tenant,
   * `resource_id` the audience), as the SDK's challenge policy does: true when the request
   * should be sent again, because the challenge names a tenant or scope other than the
   * current ones (the next token is asked for with them), or because the request was sent
   * (`sentWith`, the {@link generation} of its token) before another challenge was taken.
   */
  challenge(header: string | undefined, sentWith: number): boolean {
    if (header === undefined || !/^\s*Bearer\b/i.test(header)) return false;
    const uri = /authorization_uri="?([^",\s]+)/i.exec(header)?.[1];
    const resource = /resource_id="?([^",\s]+)/i.exec(header)?.[1];
    let tenantId: string | undefined;
    try {
      tenantId = uri === undefined ? undefined : new URL(uri).pathname.split('/').find((s) => s !== '');
    } catch {
      tenantId = undefined;
    }
    const scope = resource === undefined ? this.scope : `${resource.replace(/\/+$/, '')}/.default`;
    if (tenantId === this.tenantId && String(scope) === String(this.scope)) return sentWith !== this.generation;
    this.tenantId = tenantId ?? this.tenantId;
    this.scope = scope;
    this.current = undefined;
    this.generation++;
    return true;
  }

  /** One request for a token, shared by every request that waits for it (so no one caller's signal cancels it). */
  private fetch(): Promise<AccessToken> {
    this.pending ??= (async () => {
      try {
        const options = this.tenantId !== undefined ? { tenantId: this.tenantId } : {};
        const token = await this.credential.getToken(this.scope, options);
        if (token === null || typeof token.token !== 'string')
          throw new Error('the token credential gave no token for Azure Storage');
        this.current = token;
        return token;
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }
}
