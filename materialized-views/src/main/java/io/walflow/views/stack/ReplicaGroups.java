package io.walflow.views.stack;

import io.walflow.views.http.StatusSource.ReplicaStatus;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The regional replicas reading the log from Kafka, as the broker sees them: every consumer group
 * named {@code walflow-replica-<region>}, its state and members, and its lag (records of the log's
 * topic between the group's committed offsets and the partitions' ends). Read by an admin client
 * every few seconds on its own thread, so {@code /v1/status} and {@code /metrics} never wait for
 * Kafka; a failed refresh keeps the last figures and says why.
 */
final class ReplicaGroups implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaGroups.class);
  /** The prefix of a replica's consumer group (see the replica's KafkaSource). */
  static final String GROUP_PREFIX = "walflow-replica-";
  /** Bound on each admin call, well under the refresh interval's worth of waiting. */
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  private final Admin admin;
  private final String topic;
  private final ScheduledExecutorService poller;
  private volatile Map<String, ReplicaStatus> latest = Map.of();
  private volatile Optional<String> problem = Optional.empty();

  ReplicaGroups(String bootstrap, String topic, Duration every) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.CLIENT_ID_CONFIG, "walflow-replica-status");
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis());
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis());
    this.admin = Admin.create(p);
    this.topic = topic;
    this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "walflow-replica-status");
      t.setDaemon(true);
      return t;
    });
    poller.scheduleWithFixedDelay(this::refreshQuietly, 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The replicas by region, as of the last refresh. */
  Map<String, ReplicaStatus> replicas() {
    return latest;
  }

  /** Why the last refresh failed, if it did. */
  Optional<String> problem() {
    return problem;
  }

  private void refreshQuietly() {
    try {
      latest = refresh();
      problem = Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      String why = e.getCause() != null ? e.getCause().toString() : e.toString();
      if (problem.isEmpty()) {
        LOG.warn("cannot read the replicas' consumer groups from Kafka (retried): {}", why);
      }
      problem = Optional.of(why);
    }
  }

  private Map<String, ReplicaStatus> refresh() throws Exception {
    long timeout = CALL_TIMEOUT.toMillis();
    Collection<ConsumerGroupListing> groups = admin.listConsumerGroups().all().get(timeout, TimeUnit.MILLISECONDS);
    List<String> ids = groups.stream().map(ConsumerGroupListing::groupId).filter(g -> g.startsWith(GROUP_PREFIX)).sorted().toList();
    if (ids.isEmpty()) {
      return Map.of();
    }
    Map<String, ConsumerGroupDescription> described = admin.describeConsumerGroups(ids).all().get(timeout, TimeUnit.MILLISECONDS);
    Map<String, Map<TopicPartition, OffsetAndMetadata>> offsets = new HashMap<>();
    Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
    for (String id : ids) {
      Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
      admin.listConsumerGroupOffsets(id).partitionsToOffsetAndMetadata().get(timeout, TimeUnit.MILLISECONDS)
          .forEach((tp, o) -> {
            if (tp.topic().equals(topic) && o != null) {
              committed.put(tp, o);
              ends.put(tp, OffsetSpec.latest());
            }
          });
      offsets.put(id, committed);
    }
    Map<TopicPartition, ListOffsetsResultInfo> end = ends.isEmpty() ? Map.of()
        : admin.listOffsets(ends).all().get(timeout, TimeUnit.MILLISECONDS);
    Map<String, ReplicaStatus> out = new TreeMap<>();
    for (String id : ids) {
      long lag = 0;
      for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.get(id).entrySet()) {
        ListOffsetsResultInfo info = end.get(e.getKey());
        if (info != null) {
          lag += Math.max(0, info.offset() - e.getValue().offset());
        }
      }
      ConsumerGroupDescription d = described.get(id);
      String region = id.substring(GROUP_PREFIX.length());
      out.put(region, new ReplicaStatus(region, id, d == null ? "unknown" : d.state().toString().toLowerCase(),
          d == null ? 0 : d.members().size(), offsets.get(id).size(), lag));
    }
    return Map.copyOf(out);
  }

  @Override
  public void close() {
    poller.shutdownNow();
    admin.close(Duration.ofSeconds(5));
  }
}
