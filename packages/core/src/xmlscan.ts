/**
 * A scan of service XML answers (list pages, batch results) for the few elements a
 * backend reads, instead of building the whole document: a general XML parser spends most
 * of a listing's CPU on it. Meant for answers where `<` only opens markup (text is
 * escaped) and elements of one name do not nest, as object stores write them.
 */

const ENTITIES = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
]);

/** The character a reference `&ref;` stands for (`ref` without `&` and `;`), or undefined when it is none. */
function referenced(ref: string): string | undefined {
  if (ref.charCodeAt(0) !== 35) return ENTITIES.get(ref); // not '#'
  const hex = ref.charCodeAt(1) === 120; // 'x'
  const digits = ref.slice(hex ? 2 : 1);
  if (!(hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)) return undefined;
  const code = parseInt(digits, hex ? 16 : 10);
  return code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}

/**
 * XML text with its entity and character references replaced (`&amp;`, `&#34;`, `&#x41;`);
 * an unknown entity stays as written.
 */
export function unescapeXml(text: string): string {
  let amp = text.indexOf('&');
  if (amp < 0) return text;
  let out = '';
  let copied = 0;
  while (amp >= 0) {
    const semi = text.indexOf(';', amp + 2);
    if (semi < 0) break;
    const char = referenced(text.slice(amp + 1, semi));
    if (char === undefined) {
      amp = text.indexOf('&', amp + 1);
      continue;
    }
    out += text.slice(copied, amp) + char;
    copied = semi + 1;
    amp = text.indexOf('&', copied);
  }
  return out + text.slice(copied);
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

/** `<tag` and `</tag>` of each name scanned for, made once. */
const TAGS = new Map<string, { open: string; close: string }>();

function tagsOf(tag: string): { open: string; close: string } {
  let t = TAGS.get(tag);
  if (t === undefined) TAGS.set(tag, (t = { open: `<${tag}`, close: `</${tag}>` }));
  return t;
}

/** Where the first start tag `<tag>`, `<tag ...>` or `<tag/>` of `xml` at or after `from` begins and ends. */
function startTag(xml: string, open: string, from: number, to: number): { at: number; end: number } | undefined {
  for (let at = xml.indexOf(open, from); at >= 0 && at < to; at = xml.indexOf(open, at + open.length)) {
    const next = xml.charCodeAt(at + open.length);
    // '>' (62), '/' (47), or whitespace: the whole name, not a longer one it begins.
    if (next === 62 || next === 47 || next === 32 || next === 9 || next === 10 || next === 13) {
      const end = next === 62 ? at + open.length : xml.indexOf('>', at + open.length);
      return end < 0 ? undefined : { at, end };
    }
  }
  return undefined;
}

/** The first `<tag>` element in `xml` between `from` and `to` (an empty `<tag/>` has text ''), or undefined. */
export function xmlElement(xml: string, tag: string, from = 0, to = xml.length): XmlElement | undefined {
  const { open, close } = tagsOf(tag);
  const found = startTag(xml, open, from, to);
  if (found === undefined) return undefined;
  const selfClosing = xml.charCodeAt(found.end - 1) === 47;
  const attributes = xml.slice(found.at + open.length, selfClosing ? found.end - 1 : found.end);
  if (selfClosing) return { text: '', attributes: attributes.trimEnd() };
  const end = xml.indexOf(close, found.end + 1);
  if (end < 0 || end > to) return undefined;
  return { text: unescapeXml(xml.slice(found.end + 1, end)), attributes };
}

/** The text of the first `<tag>` in `xml` between `from` and `to`, or undefined. */
export function xmlText(xml: string, tag: string, from = 0, to = xml.length): string | undefined {
  const { open, close } = tagsOf(tag);
  const found = startTag(xml, open, from, to);
  if (found === undefined) return undefined;
  if (xml.charCodeAt(found.end - 1) === 47) return '';
  const end = xml.indexOf(close, found.end + 1);
  if (end < 0 || end > to) return undefined;
  return unescapeXml(xml.slice(found.end + 1, end));
}

/** Each `<tag>...</tag>` element of `xml`, as [start, end) of its content. */
export function* xmlBlocks(xml: string, tag: string): Generator<[number, number]> {
  const { open, close } = tagsOf(tag);
  for (let found = startTag(xml, open, 0, xml.length); found !== undefined;) {
    if (xml.charCodeAt(found.end - 1) === 47) {
      found = startTag(xml, open, found.end, xml.length);
      continue;
    }
    const start = found.end + 1;
    const end = xml.indexOf(close, start);
    if (end < 0) return;
    yield [start, end];
    found = startTag(xml, open, end + close.length, xml.length);
  }
}
