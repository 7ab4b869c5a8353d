/** The scan of service XML answers: elements by name, attributes, empty elements, escapes. */
import { expect } from 'chai';
import { escapeXml, unescapeXml, xmlBlocks, xmlElement, xmlText, xmlTexts } from '@omnifs/core/backend';

describe('xml scan', function () {
  const xml =
    '<?xml version="1.0"?><R><Marker/><Items>' +
    '<Item><Name Encoded="true">a%2Fb</Name><Size>3</Size></Item>' +
    '<ItemPrefix><Name>p/</Name></ItemPrefix>' +
    '<Item><Name>x &amp; &lt;y&gt; &#x41;&#66;</Name><Size /></Item>' +
    '</Items><Next>n</Next></R>';

  it('finds each element of a name, never one whose name it begins', function () {
    const blocks = [...xmlBlocks(xml, 'Item')];
    expect(blocks).to.have.length(2);
    expect(blocks.map(([s, e]) => xmlText(xml, 'Name', s, e))).to.deep.equal(['a%2Fb', 'x & <y> AB']);
    expect([...xmlBlocks(xml, 'ItemPrefix')].map(([s, e]) => xmlText(xml, 'Name', s, e))).to.deep.equal(['p/']);
  });

  it('gives the attributes of the start tag, and empty text for an empty element', function () {
    expect(xmlElement(xml, 'Name')).to.deep.equal({ text: 'a%2Fb', attributes: ' Encoded="true"' });
    const [start, end] = [...xmlBlocks(xml, 'Item')][1]!;
    expect(xmlElement(xml, 'Size', start, end)).to.deep.equal({ text: '', attributes: '' });
    expect(xmlText(xml, 'Marker')).to.equal('');
    expect(xmlText(xml, 'Missing')).to.equal(undefined);
  });

  it('looks only between from and to', function () {
    const [start, end] = [...xmlBlocks(xml, 'Item')][0]!;
    expect(xmlText(xml, 'Next', start, end)).to.equal(undefined);
    expect(xmlText(xml, 'Next', end)).to.equal('n');
  });

  it('reads several fields of an element in one pass, in any order, each only within it', function () {
    const page =
      '<L><E><K>a</K><T>t1</T><S>1</S><C>x</C></E>' + // in the order asked for
      '<E><S>2</S><K>b &amp; c</K><C/></E>' + // out of order, one missing, one empty
      '<E><K>d</K></E><E><K>e</K><T>t5</T><S>5</S><C>z</C></E></L>'; // the next entry has what this one lacks
    const read = [...xmlBlocks(page, 'E')].map(([s, e]) => xmlTexts(page, ['K', 'T', 'S', 'C'], s, e));
    expect(read).to.deep.equal([
      ['a', 't1', '1', 'x'],
      ['b & c', undefined, '2', ''],
      ['d', undefined, undefined, undefined],
      ['e', 't5', '5', 'z'],
    ]);
    // As xmlText reads each of them.
    const [s, e] = [...xmlBlocks(page, 'E')][2]!;
    expect(['K', 'T', 'S', 'C'].map((t) => xmlText(page, t, s, e))).to.deep.equal([
      'd',
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('escapes and unescapes the five XML characters', function () {
    const text = `a&b<c>"d"'e'`;
    expect(escapeXml(text)).to.equal('a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;');
    expect(unescapeXml(escapeXml(text))).to.equal(text);
    expect(unescapeXml('&unknown; &#128512;')).to.equal('&unknown; 😀');
  });

  it('leaves what is no reference as written, and replaces the references after it', function () {
    expect(unescapeXml('&constructor; &toString; &#x110000; &#99999999;')).to.equal(
      '&constructor; &toString; &#x110000; &#99999999;',
    );
    expect(unescapeXml('a & b &amp; c')).to.equal('a & b & c');
    expect(unescapeXml('&#x; &#; &; &amp')).to.equal('&#x; &#; &; &amp');
    expect(unescapeXml('&quot;etag&quot;')).to.equal('"etag"');
    expect(unescapeXml('&#34;etag&#x22;&AMP;')).to.equal('"etag"&AMP;');
    expect(xmlText('<E>&quot;1&quot;</E>', 'E')).to.equal('"1"');
  });
});
