package io.walflow.app.demo;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo's application: a small news site (users, stories, votes, comments) in a SQLite database
 * in WAL mode, and a writer that behaves like its users — new stories now and then, many votes
 * (skewed towards a few hot stories, some changed or withdrawn), comments, a user signing up.
 */
public final class NewsSite implements AutoCloseable {
  /** The demo's views: name → SQL. Each shows a different part of the dataflow. */
  public static final Map<String, String> VIEWS = views();

  private static Map<String, String> views() {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("top_stories", """
        SELECT s.id, s.title, u.name AS author, COUNT(v.user_id) AS votes
        FROM stories s JOIN users u ON u.id = s.author_id LEFT JOIN votes v ON v.story_id = s.id
        GROUP BY s.id, s.title, u.name ORDER BY votes DESC, s.id LIMIT 10""");
    v.put("story", """
        SELECT s.id, s.title, s.url, COUNT(c.id) AS comments
        FROM stories s LEFT JOIN comments c ON c.story_id = s.id
        WHERE s.id = ? GROUP BY s.id, s.title, s.url""");
    v.put("karma", """
        SELECT s.author_id, SUM(v.points) AS karma, COUNT(*) AS votes
        FROM stories s JOIN votes v ON v.story_id = s.id
        WHERE s.author_id = ? GROUP BY s.author_id""");
    v.put("latest_comments", """
        SELECT c.id, c.story_id, u.name, c.body FROM comments c JOIN users u ON u.id = c.user_id
        ORDER BY c.id DESC LIMIT 5""");
    return java.util.Collections.unmodifiableMap(v);
  }

  private static final String[] WORDS = {"SQLite", "WAL", "replicas", "Rust", "Java", "databases",
      "stream", "latency", "Kafka", "Postgres", "caching", "edge", "B-trees", "incremental", "views",
      "consensus", "benchmarks", "compilers", "queues", "durability"};

  private final Connection conn;
  private final Random random;
  private final AtomicLong transactions = new AtomicLong();
  private long users;
  private long stories;

  private NewsSite(Connection conn, long seed) {
    this.conn = conn;
    this.random = new Random(seed);
  }

  /**
   * Opens (creating it, in WAL mode, with a few users and stories when new) the site's database.
   *
   * @throws SQLException when the file cannot be opened or written
   */
  public static NewsSite open(Path db, long seed) throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
    try (Statement st = c.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL");
      st.execute("PRAGMA synchronous=NORMAL");
      st.execute("PRAGMA busy_timeout=5000");
      st.execute("CREATE TABLE IF NOT EXISTS users(id INTEGER PRIMARY KEY, name TEXT NOT NULL, joined TEXT NOT NULL)");
      st.execute("CREATE TABLE IF NOT EXISTS stories(id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL, "
          + "title TEXT NOT NULL, url TEXT, posted TEXT NOT NULL)");
      st.execute("CREATE TABLE IF NOT EXISTS votes(story_id INTEGER NOT NULL, user_id INTEGER NOT NULL, "
          + "points INTEGER NOT NULL, PRIMARY KEY (story_id, user_id)) WITHOUT ROWID");
      st.execute("CREATE TABLE IF NOT EXISTS comments(id INTEGER PRIMARY KEY, story_id INTEGER NOT NULL, "
          + "user_id INTEGER NOT NULL, body TEXT NOT NULL, posted TEXT NOT NULL)");
      st.execute("CREATE INDEX IF NOT EXISTS comments_story ON comments(story_id)");
    }
    NewsSite site = new NewsSite(c, seed);
    site.users = site.count("users");
    site.stories = site.count("stories");
    c.setAutoCommit(false);
    if (site.users == 0) {
      for (int i = 0; i < 50; i++) {
        site.signUp();
      }
      for (int i = 0; i < 30; i++) {
        site.post();
      }
      c.commit();
    }
    return site;
  }

  private long count(String table) throws SQLException {
    try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  /** One transaction of site activity. */
  public void step() throws SQLException {
    int dice = random.nextInt(100);
    if (dice < 2) {
      signUp();
    } else if (dice < 7) {
      post();
    } else if (dice < 20) {
      comment();
    } else if (dice < 25) {
      unvote();
    } else {
      vote();
    }
    conn.commit();
    transactions.incrementAndGet();
  }

  /** Transactions committed by {@link #step} so far. */
  public long transactions() {
    return transactions.get();
  }

  /**
   * Runs {@link #step} {@code perSecond} times a second until interrupted or {@code seconds} have
   * passed (0: no limit).
   */
  public void run(int perSecond, long seconds) throws SQLException, InterruptedException {
    long interval = perSecond > 0 ? TimeUnit.SECONDS.toNanos(1) / perSecond : 0;
    long end = seconds > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds) : Long.MAX_VALUE;
    long next = System.nanoTime();
    while (System.nanoTime() < end && !Thread.currentThread().isInterrupted()) {
      step();
      if (interval > 0) {
        next += interval;
        long sleep = next - System.nanoTime();
        if (sleep > 0) {
          TimeUnit.NANOSECONDS.sleep(sleep);
        }
      }
    }
  }

  private void signUp() throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement("INSERT INTO users(name, joined) VALUES (?, datetime('now'))")) {
      ps.setString(1, "user" + (users + 1));
      ps.executeUpdate();
    }
    users++;
  }

  private void post() throws SQLException {
    String title = WORDS[random.nextInt(WORDS.length)] + " " + WORDS[random.nextInt(WORDS.length)]
        + " considered " + (random.nextBoolean() ? "harmful" : "fast");
    try (PreparedStatement ps = conn.prepareStatement(
        "INSERT INTO stories(author_id, title, url, posted) VALUES (?, ?, ?, datetime('now'))")) {
      ps.setLong(1, 1 + random.nextInt((int) users));
      ps.setString(2, title);
      if (random.nextInt(4) == 0) {
        ps.setNull(3, java.sql.Types.VARCHAR);
      } else {
        ps.setString(3, "https://example.com/" + (stories + 1));
      }
      ps.executeUpdate();
    }
    stories++;
  }

  /** A story, skewed towards the first and the most recent ones (the hot ones). */
  private long hotStory() {
    double u = random.nextDouble();
    long pick = (long) (stories * u * u * u);
    return random.nextBoolean() ? 1 + pick : stories - pick;
  }

  private void vote() throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(
        "INSERT INTO votes(story_id, user_id, points) VALUES (?, ?, ?) "
            + "ON CONFLICT(story_id, user_id) DO UPDATE SET points = excluded.points")) {
      ps.setLong(1, hotStory());
      ps.setLong(2, 1 + random.nextInt((int) users));
      ps.setInt(3, random.nextInt(10) == 0 ? -1 : 1);
      ps.executeUpdate();
    }
  }

  private void unvote() throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement("DELETE FROM votes WHERE story_id = ? AND user_id = ?")) {
      ps.setLong(1, hotStory());
      ps.setLong(2, 1 + random.nextInt((int) users));
      ps.executeUpdate();
    }
  }

  private void comment() throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(
        "INSERT INTO comments(story_id, user_id, body, posted) VALUES (?, ?, ?, datetime('now'))")) {
      ps.setLong(1, hotStory());
      ps.setLong(2, 1 + random.nextInt((int) users));
      ps.setString(3, "I think " + WORDS[random.nextInt(WORDS.length)] + " is " + (random.nextBoolean() ? "great" : "overrated"));
      ps.executeUpdate();
    }
  }

  @Override
  public void close() throws SQLException {
    conn.close();
  }
}
