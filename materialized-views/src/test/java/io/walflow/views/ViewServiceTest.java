package io.walflow.views;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.walflow.dataflow.BadParametersException;
import io.walflow.dataflow.NoSuchViewException;
import io.walflow.ingest.change.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** The subscription protocol, scripted against {@link ScriptedEngine}. */
class ViewServiceTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final List<Value> KEY_1 = List.of(Value.of(1));

  private final ScriptedEngine engine = new ScriptedEngine();
  private ViewService service;

  private ViewService service(ViewsConfig config) {
    service = new ViewService(engine, config);
    return service;
  }

  /** No progress events unless a test asks for them; linger so that resume tests find the history. */
  private static ViewsConfig quiet() {
    return ViewsConfig.defaults().withProgressInterval(Duration.ofHours(1)).withLinger(Duration.ofMinutes(1));
  }

  @AfterEach
  void close() {
    if (service != null) {
      service.close();
    }
  }

  private static List<List<Value>> row(long k, long x) {
    return List.of(List.of(Value.of(k), Value.of(x)));
  }

  @Test
  void subscribe_snapshotThenOneDeltaPerChangingTransaction() {
    engine.insert(1, 10);
    engine.insert(2, 20);
    ViewService views = service(quiet());
    StepVerifier.create(views.subscribe("v", KEY_1, OptionalLong.empty()))
        .expectNext(new ViewEvent.Snapshot(2, ScriptedEngine.COLUMNS, row(1, 10), false))
        .then(() -> {
          engine.update(1, 10, 11);   // 3
          engine.insert(2, 21);       // 4: another key, no delta
          engine.idle();              // 5: nothing changed
          engine.insert(1, 12);       // 6
        })
        .expectNext(new ViewEvent.Delta(3, row(1, 11), row(1, 10)))
        .expectNext(new ViewEvent.Delta(6, row(1, 12), List.of()))
        .expectNoEvent(Duration.ofMillis(100))
        .thenCancel()
        .verify(WAIT);
  }

  @Test
  void subscribe_textArgumentIsCoercedToTheIntegerParameter() {
    engine.insert(1, 10);
    StepVerifier.create(service(quiet()).subscribe("v", List.of(Value.of("1")), OptionalLong.empty()))
        .expectNext(new ViewEvent.Snapshot(1, ScriptedEngine.COLUMNS, row(1, 10), false))
        .thenCancel()
        .verify(WAIT);
  }

  @Test
  void subscribe_errors_unknownViewWrongArityFutureLsn() {
    ViewService views = service(quiet());
    engine.insert(1, 10);
    StepVerifier.create(views.subscribe("nope", KEY_1, OptionalLong.empty()))
        .expectError(NoSuchViewException.class).verify(WAIT);
    StepVerifier.create(views.subscribe("v", List.of(), OptionalLong.empty()))
        .expectError(BadParametersException.class).verify(WAIT);
    StepVerifier.create(views.subscribe("v", KEY_1, OptionalLong.of(5)))
        .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(FutureLsnException.class)
            .hasMessageContaining("fromLsn 5").hasMessageContaining("LSN 1"))
        .verify(WAIT);
  }

  @Test
  void resume_withinHistory_getsExactlyTheDeltasAfterTheLsn() {
    ViewService views = service(quiet());
    engine.insert(1, 10);
    StepVerifier.create(views.subscribe("v", KEY_1, OptionalLong.empty()))
        .expectNextMatches(e -> e instanceof ViewEvent.Snapshot s && s.lsn() == 1)
        .then(() -> {
          engine.insert(1, 11);
          engine.insert(1, 12);
        })
        .expectNextMatches(e -> e.lsn() == 2)
        .expectNextMatches(e -> e.lsn() == 3)
        .thenCancel()
        .verify(WAIT);
    // Disconnected: transactions happen meanwhile.
    engine.insert(1, 13);
    engine.idle();
    engine.insert(1, 14);
    StepVerifier.create(views.subscribe("v", KEY_1, OptionalLong.of(3)))
        .expectNext(new ViewEvent.Delta(4, row(1, 13), List.of()))
        .expectNext(new ViewEvent.Delta(6, row(1, 14), List.of()))
        .then(() -> engine.insert(1, 15))
        .expectNext(new ViewEvent.Delta(7, row(1, 15), List.of()))
        .expectNoEvent(Duration.ofMillis(50))
        .thenCancel()
        .verify(WAIT);
    assertThat(engine.subscribeCalls).hasValue(1);
  }

  @Test
  void resume_beyondHistory_getsAResyncSnapshot() {
    ViewService views = service(quiet().withHistorySize(2));
    engine.insert(1, 10);
    Disposable first = views.subscribe("v", KEY_1, OptionalLong.empty()).subscribe();
    await().atMost(WAIT).until(() -> views.subscribers() == 1);
    for (int i = 0; i < 5; i++) {
      engine.insert(1, 100 + i);   // LSNs 2..6; history keeps 5 and 6
    }
    first.dispose();
    List<List<Value>> all = engine.rowsOf(1);
    StepVerifier.create(views.subscribe("v", KEY_1, OptionalLong.of(2)))
        .expectNextMatches(e -> e instanceof ViewEvent.Snapshot s && s.resync() && s.lsn() == 6 && s.rows().equals(all))
        .thenCancel()
        .verify(WAIT);
    StepVerifier.create(views.subscribe("v", KEY_1, OptionalLong.of(4)))
        .expectNextMatches(e -> e instanceof ViewEvent.Delta d && d.lsn() == 5)
        .expectNextMatches(e -> e instanceof ViewEvent.Delta d && d.lsn() == 6)
        .thenCancel()
        .verify(WAIT);
  }

  @Test
  void slowSubscriber_isConflatedIntoOneResyncSnapshot_andNeverSeesAPartialHistory() {
    ViewService views = service(quiet().withBuffer(3, OverflowPolicy.CONFLATE));
    engine.insert(1, 0);
    StepVerifier.create(views.subscribe("v", KEY_1, OptionalLong.empty()), 1)
        .expectNextMatches(e -> e instanceof ViewEvent.Snapshot s && !s.resync())
        .then(() -> {
          for (int i = 1; i <= 20; i++) {
            engine.insert(1, i);   // LSNs 2..21, not requested
          }
        })
        .expectNoEvent(Duration.ofMillis(100))
        .thenRequest(100)
        .expectNextMatches(e -> e instanceof ViewEvent.Snapshot s && s.resync() && s.lsn() == 21
            && s.rows().size() == 21)
        .then(() -> engine.insert(1, 99))
        .expectNext(new ViewEvent.Delta(22, row(1, 99), List.of()))
        .thenCancel()
        .verify(WAIT);
  }

  @Test
  void slowSubscriber_failPolicy_endsWithSlowSubscriberException() {
    ViewService views = service(quiet().withBuffer(2, OverflowPolicy.FAIL));
    StepVerifier.create(views.subscribe("v", KEY_1, OptionalLong.empty()), 1)
        .expectNextMatches(e -> e instanceof ViewEvent.Snapshot)
        .then(() -> {
          for (int i = 1; i <= 5; i++) {
            engine.insert(1, i);
          }
        })
        .thenRequest(10)
        .expectError(SlowSubscriberException.class)
        .verify(WAIT);
  }

  @Test
  void slowSubscriber_neverDelaysTheEngineOrOtherSubscribers() {
    ViewService views = service(quiet().withBuffer(64, OverflowPolicy.CONFLATE));
    Reconstruction fast = new Reconstruction();
    Disposable f = views.subscribe("v", KEY_1, OptionalLong.empty()).subscribe(fast::apply, Throwable::printStackTrace);
    // A subscriber that takes its snapshot and then asks for nothing until the end.
    List<ViewEvent> slowEvents = new CopyOnWriteArrayList<>();
    org.reactivestreams.Subscription[] slowSub = new org.reactivestreams.Subscription[1];
    views.subscribe("v", KEY_1, OptionalLong.empty()).subscribe(slowEvents::add, Throwable::printStackTrace, () -> { }, s -> {
      slowSub[0] = s;
      s.request(1);
    });
    await().atMost(WAIT).until(() -> views.subscribers() == 2 && fast.lsn >= 0 && slowEvents.size() == 1);
    long start = System.nanoTime();
    for (int i = 0; i < 2000; i++) {
      engine.insert(1, i);
    }
    long engineMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    System.out.println("2000 transactions with a stuck subscriber: " + engineMillis + " ms on the engine thread");
    try {
      await().atMost(WAIT).until(() -> fast.lsn == 2000);
    } catch (RuntimeException e) {
      System.out.println(views + " fast at " + fast.lsn + " snapshots " + fast.snapshots + " deltas " + fast.deltas);
      throw e;
    }
    assertThat(fast.sortedRows()).isEqualTo(Reconstruction.sorted(engine.rowsOf(1)));
    assertThat(slowEvents).hasSize(1);
    slowSub[0].request(10);
    await().atMost(WAIT).until(() -> slowEvents.size() == 2);
    assertThat(slowEvents.get(1)).isInstanceOfSatisfying(ViewEvent.Snapshot.class, s -> {
      assertThat(s.resync()).isTrue();
      assertThat(s.lsn()).isEqualTo(2000);
      assertThat(Reconstruction.sorted(s.rows())).isEqualTo(Reconstruction.sorted(engine.rowsOf(1)));
    });
    slowSub[0].cancel();
    f.dispose();
  }

  @Test
  void cancel_lastSubscriber_closesTheEngineSubscription() {
    ViewService views = service(quiet().withLinger(Duration.ZERO));
    StepVerifier.create(views.subscribe("v", KEY_1, OptionalLong.empty()))
        .expectNextMatches(e -> e instanceof ViewEvent.Snapshot)
        .then(() -> assertThat(engine.openSubscriptions()).isEqualTo(1))
        .thenCancel()
        .verify(WAIT);
    await().atMost(WAIT).until(() -> engine.openSubscriptions() == 0 && views.streams() == 0);
  }

  @Test
  void fanOut_subscribersShareOneEngineSubscriptionAndOneEncoding() {
    ViewService views = service(quiet());
    engine.insert(1, 10);
    List<EncodedEvent> a = new CopyOnWriteArrayList<>();
    List<EncodedEvent> b = new CopyOnWriteArrayList<>();
    List<Disposable> subs = new ArrayList<>();
    subs.add(views.subscribeEncoded("v", KEY_1, OptionalLong.empty()).subscribe(a::add));
    subs.add(views.subscribeEncoded("v", List.of(Value.of(1.0)), OptionalLong.empty()).subscribe(b::add));
    await().atMost(WAIT).until(() -> a.size() == 1 && b.size() == 1);
    engine.insert(1, 11);
    await().atMost(WAIT).until(() -> a.size() == 2 && b.size() == 2);
    assertThat(engine.subscribeCalls).hasValue(1);
    assertThat(a.get(1)).isSameAs(b.get(1));
    assertThat(a.get(1).sse()).isSameAs(b.get(1).sse());
    assertThat(new String(a.get(1).sse())).isEqualTo("event: delta\nid: 2\ndata: {\"lsn\":2,\"insert\":[[1,11]],\"delete\":[]}\n\n");
    subs.forEach(Disposable::dispose);
  }

  @Test
  void progress_quietViewSendsProgressAtTheWatermark() {
    ViewService views = service(quiet().withProgressInterval(Duration.ofMillis(50)));
    engine.insert(1, 10);
    StepVerifier.create(views.subscribe("v", KEY_1, OptionalLong.empty()))
        .expectNextMatches(e -> e instanceof ViewEvent.Snapshot)
        .then(() -> {
          engine.idle();
          engine.idle();
        })
        .expectNextMatches(e -> e instanceof ViewEvent.Progress)
        .thenConsumeWhile(e -> e instanceof ViewEvent.Progress p && p.lsn() < 3)
        .expectNextMatches(e -> e instanceof ViewEvent.Progress p && p.lsn() == 3)
        .thenCancel()
        .verify(WAIT);
  }

  @Test
  void dropView_completesSubscriptions() {
    ViewService views = service(quiet());
    StepVerifier.create(views.subscribe("v", KEY_1, OptionalLong.empty()))
        .expectNextMatches(e -> e instanceof ViewEvent.Snapshot)
        .then(() -> views.dropView("v"))
        .expectComplete()
        .verify(WAIT);
  }

  @Test
  void joiningSubscriber_afterChanges_getsASnapshotContainingThem_thenOnlyLaterDeltas() {
    ViewService views = service(quiet());
    Disposable first = views.subscribe("v", KEY_1, OptionalLong.empty()).subscribe();
    await().atMost(WAIT).until(() -> views.subscribers() == 1);
    engine.insert(1, 1);
    engine.insert(1, 2);
    StepVerifier.create(views.subscribe("v", KEY_1, OptionalLong.empty()))
        .expectNextMatches(e -> e instanceof ViewEvent.Snapshot s && s.lsn() == 2 && s.rows().size() == 2 && !s.resync())
        .then(() -> engine.insert(1, 3))
        .expectNextMatches(e -> e instanceof ViewEvent.Delta d && d.lsn() == 3)
        .thenCancel()
        .verify(WAIT);
    first.dispose();
  }
}
