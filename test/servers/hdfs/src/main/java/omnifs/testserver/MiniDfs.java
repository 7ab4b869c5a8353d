package omnifs.testserver;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.HdfsConfiguration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.MiniDFSNNTopology;
import org.apache.hadoop.hdfs.server.datanode.DataNode;

/**
 * A one-datanode MiniDFSCluster with WebHDFS on, bound to 127.0.0.1, for omnifs's tests.
 *
 * <p>Usage: {@code MiniDfs BASE_DIR NN_RPC_PORT NN_HTTP_PORT DN_HTTP_PORT [ha]}, a port of 0
 * meaning any free one (bound by the listener itself, so nothing can take it first). Prints one
 * line {@code READY {"nnRpcPort":..,"nnHttpPort":..,"dnHttpPort":..}} once the cluster is up and
 * out of safe mode, then runs until standard input closes or the JVM gets SIGTERM/SIGINT,
 * and shuts the cluster down either way.
 *
 * <p>With {@code ha}: two namenodes ({@code nn1}, {@code nn2}) of the nameservice
 * {@value #NAMESERVICE} on free ports, the first active; READY also gives
 * {@code "nameservice"} and {@code "namenodes":[{"id":..,"rpcPort":..,"httpPort":..},..]}.
 * Writing {@code N} (0 or 1) to the file {@code BASE_DIR/active} makes namenode N the active
 * one and the other the standby; {@code ACTIVE N} is printed once done.
 */
public final class MiniDfs {
  /** The nameservice of the HA cluster. */
  static final String NAMESERVICE = "minidfs-ns";

  private MiniDfs() {}

  /**
   * Polls {@code file} for {@code N} (0 or 1): when it changes, namenode N becomes the active
   * one and the other the standby, and {@code ACTIVE N} is printed. (Standard input is not
   * used: the harness's guard shell reads it too.)
   */
  private static void followControlFile(MiniDFSCluster cluster, File file) {
    int active = 0;
    for (;;) {
      try {
        Thread.sleep(50);
        if (!file.exists()) {
          continue;
        }
        int next = Integer.parseInt(new String(Files.readAllBytes(file.toPath()), StandardCharsets.UTF_8).trim());
        if (next != active) {
          cluster.transitionToStandby(active);
          cluster.transitionToActive(next);
          active = next;
          System.out.println("ACTIVE " + next);
          System.out.flush();
        }
      } catch (InterruptedException e) {
        return;
      } catch (IOException | NumberFormatException e) {
        System.err.println("ha-control: " + e);
      }
    }
  }

  public static void main(String[] args) throws Exception {
    boolean ha = args.length == 5 && args[4].equals("ha");
    if (args.length != 4 && !ha) {
      System.err.println("usage: MiniDfs BASE_DIR NN_RPC_PORT NN_HTTP_PORT DN_HTTP_PORT [ha]");
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
    // The user running the cluster may act for any user, as an HttpFS gateway does.
    String self = System.getProperty("user.name");
    conf.set("hadoop.proxyuser." + self + ".hosts", "*");
    conf.set("hadoop.proxyuser." + self + ".groups", "*");
    conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
    conf.set("dfs.namenode.http-bind-host", "127.0.0.1");
    if (!ha) {
      conf.set("dfs.namenode.http-address", "127.0.0.1:" + nnHttp);
    } else {
      // The datanode's own HDFS client (which WebHDFS writes go through) reaches the
      // nameservice as any client of an HA cluster does: trying its namenodes in turn.
      conf.set("dfs.client.failover.proxy.provider." + NAMESERVICE,
          "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider");
    }
    // A standby reads the shared edits every second (the default is a minute).
    conf.setInt("dfs.ha.tail-edits.period", 1);
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

    MiniDFSCluster.Builder builder = new MiniDFSCluster.Builder(conf)
        .numDataNodes(1)
        .storagesPerDatanode(1)
        .checkDataNodeAddrConfig(true)
        .checkDataNodeHostConfig(true)
        .format(true);
    if (ha) {
      builder.nnTopology(new MiniDFSNNTopology().addNameservice(new MiniDFSNNTopology.NSConf(NAMESERVICE)
          .addNN(new MiniDFSNNTopology.NNConf("nn1"))
          .addNN(new MiniDFSNNTopology.NNConf("nn2"))));
    } else {
      builder.nameNodePort(nnRpc).nameNodeHttpPort(nnHttp);
    }
    MiniDFSCluster cluster = builder.build();
    if (ha) {
      // As on a real HA cluster, whose fs.defaultFS is hdfs://NAMESERVICE: the namenodes
      // name the nameservice (not their own RPC address) in WebHDFS redirects, so a
      // datanode's client reaches whichever namenode is active.
      for (int i = 0; i < 2; i++) {
        cluster.getConfiguration(i).set("fs.defaultFS", "hdfs://" + NAMESERVICE);
        cluster.restartNameNode(i, false);
      }
      cluster.transitionToActive(0);
    }
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
    StringBuilder ready = new StringBuilder("READY {");
    ready.append("\"nnRpcPort\":").append(cluster.getNameNodePort(0))
        .append(",\"nnHttpPort\":").append(cluster.getNameNode(0).getHttpAddress().getPort())
        .append(",\"dnHttpPort\":").append(dn.getInfoPort());
    if (ha) {
      ready.append(",\"nameservice\":\"").append(NAMESERVICE).append("\",\"namenodes\":[");
      for (int i = 0; i < 2; i++) {
        ready.append(i == 0 ? "" : ",").append("{\"id\":\"nn").append(i + 1)
            .append("\",\"rpcPort\":").append(cluster.getNameNodePort(i))
            .append(",\"httpPort\":").append(cluster.getNameNode(i).getHttpAddress().getPort())
            .append("}");
      }
      ready.append("]");
    }
    System.out.println(ready.append("}"));
    System.out.flush();

    if (ha) {
      Thread control = new Thread(() -> followControlFile(cluster, new File(base, "active")), "ha-control");
      control.setDaemon(true);
      control.start();
    }

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
