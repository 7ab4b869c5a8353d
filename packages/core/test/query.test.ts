/** Query strings written as URLSearchParams writes them. */
import { expect } from 'chai';
import { formEncode, formQuery } from '@omnifs/core/backend';

describe('core: query strings', () => {
  it('encodes every name and value as URLSearchParams does', () => {
    const ascii = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join('');
    const samples = [
      '',
      'plain-name_1.txt*',
      'dir/sub dir/file+1.txt',
      "!'()~ &=?#%",
      ascii,
      'é, ü, 日本語, 🚀',
      'lone \ud800 surrogate \udc00',
      'line\nbreak\ttab',
    ];
    for (const s of samples) {
      expect(formEncode(s), JSON.stringify(s)).to.equal(new URLSearchParams([['', s]]).toString().slice(1));
    }
  });

  it('joins the entries that have a value, in their order, as URLSearchParams does', () => {
    const params = { op: 'OPEN', 'user.name': 'hdfs user', skipped: undefined, offset: 5, noredirect: true };
    expect(formQuery(params)).to.equal('op=OPEN&user.name=hdfs+user&offset=5&noredirect=true');
    expect(formQuery(params)).to.equal(
      new URLSearchParams([
        ['op', 'OPEN'],
        ['user.name', 'hdfs user'],
        ['offset', '5'],
        ['noredirect', 'true'],
      ]).toString(),
    );
    expect(formQuery({})).to.equal('');
    expect(formQuery({ a: undefined })).to.equal('');
  });
});
