package io.walflow.replica.verify;

import io.walflow.replica.Freshness;
import io.walflow.replica.RangeRead;
import io.walflow.replica.Replica;
import io.walflow.replica.ReplicaStatus;
import io.walflow.replica.client.ReplicaClient;
import java.util.Optional;

/** The reads {@link Verifier} needs from a replica: in process or over HTTP. */
public interface ReplicaView {
  /** The replica's status. */
  ReplicaStatus status();

  /** A page of a range scan (see {@link Replica#scan}). */
  RangeRead scan(String db, String table, Optional<String> after, int limit);

  /** A replica over its HTTP API. */
  static ReplicaView over(ReplicaClient client) {
    return new ReplicaView() {
      @Override
      public ReplicaStatus status() {
        return client.status();
      }

      @Override
      public RangeRead scan(String db, String table, Optional<String> after, int limit) {
        return client.scan(db, table, after, limit, Freshness.ANY);
      }
    };
  }

  /** A replica in this process. */
  static ReplicaView over(Replica replica) {
    return new ReplicaView() {
      @Override
      public ReplicaStatus status() {
        return replica.status();
      }

      @Override
      public RangeRead scan(String db, String table, Optional<String> after, int limit) {
        return replica.scan(db, table, after, limit, Freshness.ANY);
      }
    };
  }
}
