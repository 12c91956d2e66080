package io.walflow.replica;

import io.walflow.replica.http.HttpSettings;
import io.walflow.replica.http.ReplicaHttpServer;
import io.walflow.replica.source.KafkaSource;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A replica in a child JVM (for kill -9 tests): {@code region dataDir bootstrap topic portFile}.
 * Serves its HTTP API open on a free port, written to {@code portFile} once listening; runs until
 * killed.
 */
public final class ChildReplica {
  public static void main(String[] args) throws Exception {
    Replica r = Replica.open(ReplicaConfig.of(args[0], Path.of(args[1])));
    r.start(new KafkaSource(args[2], args[3], args[0]));
    ReplicaHttpServer server = ReplicaHttpServer.start(r, HttpSettings.open(0));
    Path port = Path.of(args[4]);
    Path tmp = port.resolveSibling(port.getFileName() + ".tmp");
    Files.writeString(tmp, Integer.toString(server.port()));
    Files.move(tmp, port, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    Thread.sleep(Long.MAX_VALUE);
  }
}
