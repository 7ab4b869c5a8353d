/**
 * Class identity across copies of core. An app can hold two copies of `@omnifs/core` (its
 * ESM and CommonJS builds, or two installed versions); `instanceof` of a branded class checks
 * a `Symbol.for` brand on the prototype instead of the prototype chain, so an object made by
 * one copy passes the other's `instanceof`.
 */

/**
 * Marks `cls` as branded: its instances (and its subclasses' instances) carry `brand`.
 * Pair with `static [Symbol.hasInstance](v) { return isBranded(this, BRAND, v); }`.
 */
export function brandClass(cls: { prototype: object }, brand: symbol): void {
  Object.defineProperty(cls.prototype, brand, { value: true });
}

/**
 * `value instanceof cls`: by brand for the branded class itself (any copy), by the
 * prototype chain for its subclasses (`S3DeleteError instanceof` stays specific).
 */
export function isBranded(cls: { prototype: object }, brand: symbol, value: unknown): boolean {
  if (!Object.hasOwn(cls.prototype, brand)) return Function.prototype[Symbol.hasInstance].call(cls, value);
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}
