package omnifs.testserver;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.HdfsConfiguration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.server.datanode.DataNode;

/**
 * A one-datanode MiniDFSCluster with WebHDFS on, bound to 127.0.0.1, for omnifs's tests.
 *
 * <p>Usage: {@code MiniDfs BASE_DIR NN_RPC_PORT NN_HTTP_PORT DN_HTTP_PORT}, a port of 0 meaning
 * any free one (bound by the listener itself, so nothing can take it first). Prints one line
 * {@code READY {"nnRpcPort":..,"nnHttpPort":..,"dnHttpPort":..}} once the cluster is up and
 * out of safe mode, then runs until standard input closes or the JVM gets SIGTERM/SIGINT,
 * and shuts the cluster down either way.
 */
public final class MiniDfs {
  private MiniDfs() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: MiniDfs BASE_DIR NN_RPC_PORT NN_HTTP_PORT DN_HTTP_PORT");
      System.exit(2);
    }
    File base = new File(args[0]);
    int nnRpc = Integer.parseInt(args[1]);
    int nnHttp = Integer.parseInt(args[2]);
    int dnHttp = Integer.parseInt(args[3]);

    Configuration conf = new HdfsConfiguration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.getAbsolutePath());
    conf.set("hadoop.tmp.dir", new File(base, "tmp").getAbsolutePath());
    conf.setBoolean("dfs.webhdfs.enabled", true);
    conf.setBoolean("dfs.permissions.enabled", false);
    conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
    conf.set("dfs.namenode.http-bind-host", "127.0.0.1");
    conf.set("dfs.namenode.http-address", "127.0.0.1:" + nnHttp);
    // Datanode: every listener on loopback, its HTTP port as given, and the hostname it
    // registers with set to 127.0.0.1 so WebHDFS redirects (307 Location) point there.
    conf.set("dfs.datanode.hostname", "127.0.0.1");
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    conf.set("dfs.datanode.http.address", "127.0.0.1:" + dnHttp);
    conf.setLong("dfs.blocksize", 1024L * 1024L);
    conf.setInt("dfs.replication", 1);
    conf.setInt("dfs.namenode.safemode.extension", 0);
    // Closing a file waits until the namenode has its last block; by default the client
    // polls for that from 400 ms on, which makes every small write take ~0.5 s. Let a file
    // close with its last block committed (the datanode reports it right after), and poll
    // sooner when it must.
    conf.setInt("dfs.namenode.file.close.num-committed-allowed", 1);
    conf.setInt("dfs.client.block.write.locateFollowingBlock.initial.delay.ms", 20);

    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf)
        .numDataNodes(1)
        .storagesPerDatanode(1)
        .nameNodePort(nnRpc)
        .nameNodeHttpPort(nnHttp)
        .checkDataNodeAddrConfig(true)
        .checkDataNodeHostConfig(true)
        .format(true)
        .build();
    cluster.waitActive();
    cluster.waitClusterUp();

    AtomicBoolean stopped = new AtomicBoolean(false);
    Runnable stop = () -> {
      if (stopped.compareAndSet(false, true)) {
        cluster.shutdown(true);
      }
    };
    // SIGTERM/SIGINT: shut the cluster down outside the JVM's shutdown sequence (Hadoop
    // unregisters its own hooks while stopping, which is not allowed during shutdown).
    for (String sig : new String[] {"TERM", "INT"}) {
      sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> {
        stop.run();
        System.exit(0);
      });
    }

    DataNode dn = cluster.getDataNodes().get(0);
    System.out.println("READY {\"nnRpcPort\":" + cluster.getNameNodePort()
        + ",\"nnHttpPort\":" + cluster.getNameNode().getHttpAddress().getPort()
        + ",\"dnHttpPort\":" + dn.getInfoPort() + "}");
    System.out.flush();

    InputStream in = System.in;
    byte[] buf = new byte[256];
    try {
      while (in.read(buf) >= 0) {
        // Input is ignored; end of input means the parent went away.
      }
    } catch (IOException ignored) {
      // Treated as end of input.
    }
    stop.run();
    System.exit(0);
  }
}
