/**
 * A scan of service XML answers (list pages, batch results) for the few elements a
 * backend reads, instead of building the whole document: a general XML parser spends most
 * of a listing's CPU on it. Meant for answers where `<` only opens markup (text is
 * escaped) and elements of one name do not nest, as object stores write them.
 */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML text with its entity and character references replaced. */
export function unescapeXml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

/** XML text with `&`, `<`, `>`, `"` and `'` escaped. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => `&${c === '&' ? 'amp' : c === '<' ? 'lt' : c === '>' ? 'gt' : c === '"' ? 'quot' : 'apos'};`,
  );
}

/** One element found by {@link xmlElement}: its unescaped text and the text of its start tag's attributes. */
export interface XmlElement {
  text: string;
  /** What stands between the name and the `>` of the start tag (`' Encoded="true"'`), '' when nothing. */
  attributes: string;
}

/** Where the first start tag `<tag>`, `<tag ...>` or `<tag/>` of `xml` at or after `from` begins and ends. */
function startTag(xml: string, tag: string, from: number, to: number): { at: number; end: number } | undefined {
  const open = `<${tag}`;
  for (let at = xml.indexOf(open, from); at >= 0 && at < to; at = xml.indexOf(open, at + open.length)) {
    const next = xml.charCodeAt(at + open.length);
    // '>' (62), '/' (47), or whitespace: the whole name, not a longer one it begins.
    if (next === 62 || next === 47 || next === 32 || next === 9 || next === 10 || next === 13) {
      const end = xml.indexOf('>', at + open.length);
      return end < 0 ? undefined : { at, end };
    }
  }
  return undefined;
}

/** The first `<tag>` element in `xml` between `from` and `to` (an empty `<tag/>` has text ''), or undefined. */
export function xmlElement(xml: string, tag: string, from = 0, to = xml.length): XmlElement | undefined {
  const found = startTag(xml, tag, from, to);
  if (found === undefined) return undefined;
  const selfClosing = xml.charCodeAt(found.end - 1) === 47;
  const attributes = xml.slice(found.at + tag.length + 1, selfClosing ? found.end - 1 : found.end);
  if (selfClosing) return { text: '', attributes: attributes.trimEnd() };
  const close = xml.indexOf(`</${tag}>`, found.end + 1);
  if (close < 0 || close > to) return undefined;
  return { text: unescapeXml(xml.slice(found.end + 1, close)), attributes };
}

/** The text of the first `<tag>` in `xml` between `from` and `to`, or undefined. */
export function xmlText(xml: string, tag: string, from = 0, to = xml.length): string | undefined {
  return xmlElement(xml, tag, from, to)?.text;
}

/** Each `<tag>...</tag>` element of `xml`, as [start, end) of its content. */
export function* xmlBlocks(xml: string, tag: string): Generator<[number, number]> {
  const close = `</${tag}>`;
  for (let found = startTag(xml, tag, 0, xml.length); found !== undefined;) {
    if (xml.charCodeAt(found.end - 1) === 47) {
      found = startTag(xml, tag, found.end, xml.length);
      continue;
    }
    const start = found.end + 1;
    const end = xml.indexOf(close, start);
    if (end < 0) return;
    yield [start, end];
    found = startTag(xml, tag, end + close.length, xml.length);
  }
}
