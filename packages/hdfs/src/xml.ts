/**
 * A small, strict XML parser for configuration files (Hadoop's `*-site.xml`): the whole
 * document as a tree, or the line and column where it stops being well-formed, as
 * Hadoop's own parser refuses such a file. Messages never quote text or attribute values,
 * which may hold secrets, nor names outside the vocabulary given (a stray `<` in a value
 * makes one).
 */

/** An element: its name, attributes, child elements and text (CDATA included, references decoded). */
export interface XmlNode {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: XmlNode[];
  text: string;
}

/** Where a document stops being well-formed and why (markup named only). */
export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'XmlSyntaxError';
  }
}

const PREDEFINED = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);
const NAME = /[\p{L}_:][\p{L}\p{N}_:.\-\u00B7]*/uy;
const SPACE = /[ \t\r\n]*/y;

/** Options of {@link parseXml}. */
export interface ParseXmlOptions {
  /** Element and attribute names a message may quote; others are described, not quoted (default: all). */
  known?: ReadonlySet<string>;
}

/**
 * The root element of `text`.
 *
 * Behaviour:
 * - elements must nest and close, attributes be quoted and unique, `&` start a
 *   reference to a predefined, numeric or DOCTYPE-declared entity, and exactly one root
 *   element stand among comments, processing instructions and a DOCTYPE;
 * - a byte-order mark and the XML declaration are allowed at the start.
 *
 * @throws XmlSyntaxError with the 1-based line and column of the fault.
 */
export function parseXml(text: string, options: ParseXmlOptions = {}): XmlNode {
  const entities = new Map(PREDEFINED);
  /** ` <name>` (or ` name` for an attribute) when the name may be quoted, else ''. */
  const quoted = (n: string, form: 'start' | 'end' | 'attribute'): string =>
    options.known !== undefined && !options.known.has(n)
      ? ''
      : form === 'attribute'
        ? ` ${n}`
        : form === 'start'
          ? ` <${n}>`
          : ` </${n}>`;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const lineOf = (at: number): number => text.slice(0, at).split('\n').length;
  const fail = (message: string, at = pos): never => {
    throw new XmlSyntaxError(message, lineOf(at), at - text.lastIndexOf('\n', at - 1));
  };
  const name = (what: string): string => {
    NAME.lastIndex = pos;
    const m = NAME.exec(text);
    if (m === null) return fail(`expected ${what}`);
    pos += m[0].length;
    return m[0];
  };
  const space = (): boolean => {
    SPACE.lastIndex = pos;
    const n = SPACE.exec(text)![0].length;
    pos += n;
    return n > 0;
  };
  /** Skips past `end`, failing with `unterminated` at `opener` when it never comes; the text skipped. */
  const skipTo = (end: string, unterminated: string, opener: number): string => {
    const i = text.indexOf(end, pos);
    if (i < 0) fail(unterminated, opener);
    const body = text.slice(pos, i);
    pos = i + end.length;
    return body;
  };
  const decode = (raw: string, start: number): string =>
    raw.replace(/&([^;&<]*);?/g, (whole, ref: string, offset: number) => {
      const at = start + offset;
      if (!whole.endsWith(';')) return fail("'&' must start a reference such as &amp;", at);
      const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
      if (m !== null) {
        const code = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2]!, 10);
        if (code > 0x10ffff || code === 0) return fail('a character reference (&#...;) to no character', at);
        return String.fromCodePoint(code);
      }
      return entities.get(ref) ?? fail('a reference (&...;) to an entity that is not defined (write & as &amp;)', at);
    });
  /** A comment, processing instruction or DOCTYPE at `pos`; false when none is there. */
  const misc = (prolog: boolean): boolean => {
    const start = pos;
    if (text.startsWith('<!--', pos)) {
      pos += 4;
      if (skipTo('-->', 'a comment (<!--) is not closed with -->', start).includes('--'))
        fail("'--' inside a comment", pos - 3);
      return true;
    }
    if (text.startsWith('<?', pos)) {
      pos += 2;
      const target = name('a processing instruction name after <?');
      if (target.toLowerCase() === 'xml' && start !== (text.charCodeAt(0) === 0xfeff ? 1 : 0))
        fail('the XML declaration (<?xml ...?>) must come first', start);
      skipTo('?>', 'a processing instruction (<?) is not closed with ?>', start);
      return true;
    }
    if (prolog && text.startsWith('<!DOCTYPE', pos)) {
      const close = /\[[\s\S]*?\]\s*>|>/g;
      close.lastIndex = pos;
      const m = close.exec(text);
      if (m === null) fail('the DOCTYPE is not closed with >', start);
      pos = close.lastIndex;
      for (const e of text.slice(start, pos).matchAll(/<!ENTITY\s+([^\s%]+)\s+(["'])([^"']*)\2\s*>/g))
        if (!entities.has(e[1]!)) entities.set(e[1]!, e[3]!);
      return true;
    }
    return false;
  };
  const element = (): XmlNode => {
    const open = pos;
    pos += 1;
    const node: XmlNode = { name: name('an element name after <'), attributes: new Map(), children: [], text: '' };
    const attributes = node.attributes as Map<string, string>;
    const tag = `the start tag${quoted(node.name, 'start')}`;
    for (;;) {
      const spaced = space();
      if (text.startsWith('/>', pos)) {
        pos += 2;
        return node;
      }
      if (text[pos] === '>') break;
      if (pos >= text.length) fail(`the file ends inside ${tag}`);
      if (!spaced) fail(`expected whitespace, '>' or '/>' in ${tag}`);
      const attr = name(`an attribute name, '>' or '/>' in ${tag}`);
      const of = `the attribute${quoted(attr, 'attribute')} in ${tag}`;
      space();
      if (text[pos] !== '=') fail(`expected '=' after ${of}`);
      pos += 1;
      space();
      const quote = text[pos];
      if (quote !== '"' && quote !== "'") fail(`the value of ${of} is not quoted`);
      pos += 1;
      const start = pos;
      const raw = skipTo(quote!, `the value of ${of} is not closed`, start - 1);
      const lt = raw.indexOf('<');
      if (lt >= 0) fail(`'<' inside the value of ${of}`, start + lt);
      if (attributes.has(attr)) fail(`${of} appears twice`, start);
      attributes.set(attr, decode(raw, start));
    }
    pos += 1;
    const opened = (): string => `the element${quoted(node.name, 'start')} opened on line ${lineOf(open)}`;
    // Content: text, child elements, CDATA, comments and processing instructions, up to the end tag.
    for (;;) {
      const lt = text.indexOf('<', pos);
      if (lt < 0) {
        return fail(`the file ends before the end tag${quoted(node.name, 'end')} of ${opened()}`, text.length);
      }
      node.text += decode(text.slice(pos, lt), pos);
      pos = lt;
      if (text.startsWith('</', pos)) {
        const at = pos;
        pos += 2;
        const closing = name('an element name after </');
        space();
        if (text[pos] !== '>') fail(`expected '>' to end the end tag${quoted(closing, 'end')}`);
        if (closing !== node.name) fail(`expected the end tag${quoted(node.name, 'end')} of ${opened()}`, at);
        pos += 1;
        return node;
      }
      if (text.startsWith('<![CDATA[', pos)) {
        pos += 9;
        node.text += skipTo(']]>', 'a CDATA section is not closed with ]]>', pos - 9);
      } else if (!misc(false)) {
        if (text.startsWith('<!', pos)) fail('unexpected <! (not a comment or CDATA section)');
        node.children.push(element());
      }
    }
  };
  let root: XmlNode | undefined;
  for (;;) {
    space();
    if (pos >= text.length) break;
    if (misc(root === undefined)) continue;
    if (text[pos] !== '<') fail(root === undefined ? 'text before the root element' : 'text after the root element');
    if (root !== undefined) fail('a second root element');
    root = element();
  }
  return root ?? fail('no root element (the file is empty or holds only comments)');
}
