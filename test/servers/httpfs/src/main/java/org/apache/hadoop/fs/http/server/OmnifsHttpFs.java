package org.apache.hadoop.fs.http.server;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;

/**
 * An HttpFS gateway on 127.0.0.1 in front of a running cluster, for omnifs's tests: the
 * WebHDFS API served by a process that reaches HDFS as a client, as HttpFS and Knox
 * deployments do.
 *
 * <p>Usage: {@code OmnifsHttpFs BASE_DIR hdfs://127.0.0.1:NN_RPC_PORT}. Writes its
 * configuration under BASE_DIR (one replica per block, for the one-datanode cluster), binds a
 * free port, prints {@code READY {"port":..}}, and runs until standard input closes. In
 * HttpFS's package for its constructor; compiled for Java 8 (Jersey 1 reads the classes of
 * this package when it starts).
 */
public final class OmnifsHttpFs {
  private OmnifsHttpFs() {}

  private static void writeSite(File file, String... nameValues) throws IOException {
    StringBuilder xml = new StringBuilder("<?xml version=\"1.0\"?>\n<configuration>\n");
    for (int i = 0; i < nameValues.length; i += 2) {
      xml.append("  <property><name>").append(nameValues[i]).append("</name><value>")
          .append(nameValues[i + 1]).append("</value></property>\n");
    }
    Files.write(file.toPath(), xml.append("</configuration>\n").toString().getBytes(StandardCharsets.UTF_8));
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: OmnifsHttpFs BASE_DIR hdfs://HOST:NN_RPC_PORT");
      System.exit(2);
    }
    File base = new File(args[0]);
    File conf = new File(base, "conf");
    for (String dir : new String[] {"conf", "log", "temp"}) {
      new File(base, dir).mkdirs();
    }
    writeSite(new File(conf, "core-site.xml"), "fs.defaultFS", args[1]);
    // As the cluster's own settings: one replica per block, and a closing file polls the
    // namenode from 20 ms on (the client's default, 400 ms, makes every small write ~0.5 s).
    writeSite(new File(conf, "hdfs-site.xml"),
        "dfs.replication", "1",
        "dfs.blocksize", "1048576",
        "dfs.client.block.write.replace-datanode-on-failure.enable", "false",
        "dfs.client.block.write.locateFollowingBlock.initial.delay.ms", "20");
    writeSite(new File(conf, "httpfs-site.xml"));
    System.setProperty("httpfs.home.dir", base.getAbsolutePath());
    System.setProperty("httpfs.config.dir", conf.getAbsolutePath());
    System.setProperty("httpfs.log.dir", new File(base, "log").getAbsolutePath());
    System.setProperty("httpfs.temp.dir", new File(base, "temp").getAbsolutePath());

    Configuration c = new Configuration(false);
    c.set("httpfs.http.hostname", "127.0.0.1");
    c.set("httpfs.http.port", "0");
    c.set("hadoop.http.authentication.type", "simple");
    HttpFSServerWebServer server = new HttpFSServerWebServer(c, new Configuration(false));
    server.start();
    System.out.println("READY {\"port\":" + server.getUrl().getPort() + "}");
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
    server.stop();
    System.exit(0);
  }
}
