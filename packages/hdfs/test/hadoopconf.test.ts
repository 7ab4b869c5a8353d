/** Which namenodes a URL names: the URL's authority, the options and the Hadoop configuration (no server needed). */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { urlToFs } from '@omnifs/core';
import { HDFSFileSystem, webhdfsBases } from '@omnifs/hdfs';

/** A `*-site.xml` with these properties. */
function site(props: Record<string, string>): string {
  const body = Object.entries(props)
    .map(([name, value]) => `  <property>\n    <name>${name}</name>\n    <value>${value}</value>\n  </property>`)
    .join('\n');
  return `<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="configuration.xsl"?>\n<!-- a comment -->\n<configuration>\n${body}\n</configuration>\n`;
}

describe('hdfs: namenodes from the URL and the Hadoop configuration', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'omnifs-hadoopconf-'));
    env = { HADOOP_CONF_DIR: dir };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const bases = (options: object, e: NodeJS.ProcessEnv = env): string[] =>
    webhdfsBases(options, e).map((b) => b.replace(/\/webhdfs\/v1$/, ''));

  it('gives the HA namenodes of a nameservice, in the order of dfs.ha.namenodes', () => {
    writeFileSync(join(dir, 'core-site.xml'), site({ 'fs.defaultFS': 'hdfs://prod' }));
    writeFileSync(
      join(dir, 'hdfs-site.xml'),
      site({
        'dfs.nameservices': 'prod,other',
        'dfs.ha.namenodes.prod': 'nn2, nn1',
        'dfs.namenode.rpc-address.prod.nn1': 'a.example:8020',
        'dfs.namenode.rpc-address.prod.nn2': 'b.example:8020',
        'dfs.namenode.http-address.prod.nn1': 'a.example:9870',
        'dfs.namenode.http-address.prod.nn2': 'b.example:9870',
        'dfs.namenode.http-address.other': 'c.example:50070',
      }),
    );
    expect(bases({ nameservice: 'prod' })).to.deep.equal(['http://b.example:9870', 'http://a.example:9870']);
    // fs.defaultFS when nothing names the cluster (hdfs:///path).
    expect(bases({})).to.deep.equal(['http://b.example:9870', 'http://a.example:9870']);
    // A federated nameservice without HA.
    expect(bases({ nameservice: 'other' })).to.deep.equal(['http://c.example:50070']);
    // A namenode named by its RPC address: its own HTTP address.
    expect(bases({ nameservice: 'a.example:8020' })).to.deep.equal(['http://a.example:9870']);
    expect(bases({ nameservice: 'a.example' })).to.deep.equal(['http://a.example:9870']);
    // url and host win over the nameservice.
    expect(bases({ nameservice: 'prod', url: 'http://gw:14000' })).to.deep.equal(['http://gw:14000']);
    expect(bases({ nameservice: 'prod', host: 'h' })).to.deep.equal(['http://h:9870']);
  });

  it('uses the HTTPS addresses where dfs.http.policy is HTTPS_ONLY, and ${...} references', () => {
    writeFileSync(
      join(dir, 'hdfs-site.xml'),
      site({
        'dfs.http.policy': 'HTTPS_ONLY',
        'cluster.host': 'nn.example',
        'dfs.ha.namenodes.ns': 'a',
        'dfs.namenode.https-address.ns.a': '${cluster.host}:9871',
        'dfs.namenode.http-address.ns.a': 'wrong:1',
      }),
    );
    expect(bases({ nameservice: 'ns' })).to.deep.equal(['https://nn.example:9871']);
  });

  it('takes dfs.namenode.http-address for its own host or a wildcard, else the default port 9870', () => {
    writeFileSync(join(dir, 'hdfs-site.xml'), site({ 'dfs.namenode.http-address': '0.0.0.0:50070' }));
    expect(bases({ nameservice: 'nn.example:8020' })).to.deep.equal(['http://nn.example:50070']);
    writeFileSync(join(dir, 'hdfs-site.xml'), site({ 'dfs.namenode.http-address': 'nn.example:50070' }));
    expect(bases({ nameservice: 'nn.example:8020' })).to.deep.equal(['http://nn.example:50070']);
    expect(bases({ nameservice: 'elsewhere:8020' })).to.deep.equal(['http://elsewhere:9870']);
    // Without any configuration: the authority's host at the default HTTP port.
    expect(bases({ nameservice: 'nn.example:8020' }, {})).to.deep.equal(['http://nn.example:9870']);
  });

  it('finds the configuration in $HADOOP_HOME/etc/hadoop, or in the hadoopConfDir option', () => {
    const home = join(dir, 'hadoop');
    mkdirSync(join(home, 'etc', 'hadoop'), { recursive: true });
    writeFileSync(join(home, 'etc', 'hadoop', 'core-site.xml'), site({ 'fs.defaultFS': 'hdfs://home-nn:8020' }));
    expect(bases({}, { HADOOP_HOME: home })).to.deep.equal(['http://home-nn:9870']);
    expect(bases({ hadoopConfDir: join(home, 'etc', 'hadoop') }, {})).to.deep.equal(['http://home-nn:9870']);
  });

  it('says what is wrong: no namenode anywhere, a defaultFS that is not hdfs://, a missing address, a bad file', () => {
    const invalid = (options: object, e: NodeJS.ProcessEnv = env): string => {
      try {
        webhdfsBases(options, e);
      } catch (err) {
        expect(err).to.have.property('kind', 'InvalidArgument');
        return (err as Error).message;
      }
      throw new Error('no error');
    };
    expect(invalid({}, {})).to.match(/hdfs needs the namenode: .*HADOOP_CONF_DIR/);
    expect(invalid({})).to.include(`the Hadoop configuration in ${dir} sets no fs.defaultFS`);
    writeFileSync(join(dir, 'core-site.xml'), site({ 'fs.defaultFS': 'file:///' }));
    expect(invalid({})).to.include(`fs.defaultFS in ${dir} is not one`);
    writeFileSync(
      join(dir, 'hdfs-site.xml'),
      site({ 'dfs.ha.namenodes.ns': 'a,b', 'dfs.namenode.http-address.ns.a': 'x:1' }),
    );
    expect(invalid({ nameservice: 'ns' })).to.include('dfs.namenode.http-address.ns.b');
    writeFileSync(join(dir, 'hdfs-site.xml'), '{"not": "xml"}');
    expect(invalid({ nameservice: 'ns' })).to.equal(
      `the Hadoop configuration file ${dir}/hdfs-site.xml is not well-formed XML: line 1, column 1: text before the root element`,
    );
    writeFileSync(join(dir, 'hdfs-site.xml'), '<properties/>');
    expect(invalid({ nameservice: 'ns' })).to.include('is not a Hadoop configuration file');
    expect(invalid({ nameservice: 'ns' }, { HADOOP_CONF_DIR: join(dir, 'missing') })).to.include('does not exist');
  });

  it('refuses a site file that is not well-formed XML, with the line and column, quoting no value', () => {
    const refusal = (xml: string): string => {
      writeFileSync(join(dir, 'core-site.xml'), xml);
      try {
        webhdfsBases({}, env);
      } catch (err) {
        expect(err).to.include({ kind: 'InvalidArgument', code: 'EINVAL' });
        const message = (err as Error).message;
        expect(message).to.not.match(/sEcReT/);
        const prefix = `the Hadoop configuration file ${join(dir, 'core-site.xml')} is not well-formed XML: `;
        expect(message.startsWith(prefix), message).to.equal(true);
        return message.slice(prefix.length);
      }
      throw new Error('no error');
    };
    const nn = '<property><name>fs.defaultFS</name><value>hdfs://nn:8020</value></property>';
    expect(
      refusal(`<configuration>\n  ${nn}\n  <property><name>k</name><value>a&b sEcReT</value></property>\n`),
    ).to.equal("line 3, column 35: '&' must start a reference such as &amp;");
    expect(
      refusal(`<configuration>\n<property><name>k</name><value>x<sEcReT</value></property></configuration>`),
    ).to.equal("line 2, column 40: expected whitespace, '>' or '/>' in the start tag");
    expect(refusal(`<configuration>${nn}<property name=sEcReT/></configuration>`)).to.equal(
      'line 1, column 106: the value of the attribute name in the start tag <property> is not quoted',
    );
    expect(refusal(`<configuration>${nn}<property><sEcReT></property></configuration>`)).to.equal(
      'line 1, column 109: expected the end tag of the element opened on line 1',
    );
    expect(refusal(`<configuration>${nn}</configuration><configuration/>`)).to.equal(
      'line 1, column 107: a second root element',
    );
    expect(refusal('')).to.equal('line 1, column 1: no root element (the file is empty or holds only comments)');
    expect(refusal('<!-- sEcReT')).to.equal('line 1, column 1: a comment (<!--) is not closed with -->');
    expect(refusal(`<configuration><value>&sEcReT;</value></configuration>`)).to.equal(
      'line 1, column 23: a reference (&...;) to an entity that is not defined (write & as &amp;)',
    );
  });

  it("reads Hadoop's short form, CDATA, references and entities a DOCTYPE declares", () => {
    writeFileSync(
      join(dir, 'core-site.xml'),
      '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE configuration [ <!ENTITY cluster "prod"> ]>\n' +
        '<configuration xmlns:xi="http://www.w3.org/2001/XInclude">\n' +
        '  <property name="fs.defaultFS" value="hdfs://&cluster;" final="true"/>\n' +
        '  <property><name>dfs.ha.namenodes.prod</name><value><![CDATA[nn1]]></value></property>\n' +
        '  <property><name>dfs.namenode.http-address.prod.nn1</name><value>a&#46;example:9870</value></property>\n' +
        '</configuration>\n',
    );
    expect(bases({})).to.deep.equal(['http://a.example:9870']);
  });

  it('takes several urls for HA namenodes, as an array or comma-separated (OMNIFS_HDFS_URL)', () => {
    expect(bases({ url: ['http://a:9870', 'http://b:9870'] })).to.deep.equal(['http://a:9870', 'http://b:9870']);
    expect(bases({ url: 'http://a:9870, http://b:9870/webhdfs/v1' })).to.deep.equal(['http://a:9870', 'http://b:9870']);
    for (const url of [[], [1], ',']) expect(() => new HDFSFileSystem({ url } as never)).to.throw(/url/);
  });

  describe('urlToFs', () => {
    const saved = { ...process.env };
    beforeEach(() => {
      for (const k of Object.keys(process.env)) if (/^(OMNIFS_HDFS_|HADOOP_)/.test(k)) delete process.env[k];
    });
    afterEach(() => {
      for (const k of Object.keys(process.env)) if (/^(OMNIFS_HDFS_|HADOOP_)/.test(k)) delete process.env[k];
      Object.assign(process.env, saved);
    });
    const clientOf = (url: string, options: object = {}): { bases: readonly string[]; user: string | undefined } => {
      const { fs, path } = urlToFs(url, { skipInstanceCache: true, ...options });
      expect(path).to.equal('/data/x');
      return (fs as HDFSFileSystem).client;
    };

    it('reads webhdfs://[user@]host[:port] as the namenode and the user, as fsspec does', () => {
      expect(clientOf('webhdfs://nn.example:50070/data/x').user).to.equal(userInfo().username);
      expect(clientOf('webhdfs://etl@nn.example:50070/data/x')).to.deep.include({
        bases: ['http://nn.example:50070/webhdfs/v1'],
        user: 'etl',
      });
      expect(clientOf('webhdfs://nn.example/data/x').bases).to.deep.equal(['http://nn.example:9870/webhdfs/v1']);
      // An explicit url wins.
      expect(clientOf('webhdfs://nn/data/x', { url: 'http://gw:1' }).bases).to.deep.equal(['http://gw:1/webhdfs/v1']);
      expect(() => urlToFs('webhdfs://etl:secret@nn/data/x'))
        .to.throw(/password before '@'/)
        .with.property('message')
        .that.does.not.include('secret');
    });

    it('reads hdfs://AUTHORITY with HADOOP_CONF_DIR, and gives way to OMNIFS_HDFS_URL', () => {
      writeFileSync(
        join(dir, 'hdfs-site.xml'),
        site({
          'dfs.ha.namenodes.ns1': 'nn1,nn2',
          'dfs.namenode.http-address.ns1.nn1': 'a:9870',
          'dfs.namenode.http-address.ns1.nn2': 'b:9870',
        }),
      );
      process.env.HADOOP_CONF_DIR = dir;
      expect(clientOf('hdfs://ns1/data/x').bases).to.deep.equal([
        'http://a:9870/webhdfs/v1',
        'http://b:9870/webhdfs/v1',
      ]);
      expect(clientOf('hdfs://nn:8020/data/x').bases).to.deep.equal(['http://nn:9870/webhdfs/v1']);
      process.env.OMNIFS_HDFS_URL = 'http://gw:14000';
      expect(clientOf('hdfs://ns1/data/x').bases).to.deep.equal(['http://gw:14000/webhdfs/v1']);
    });
  });
});
