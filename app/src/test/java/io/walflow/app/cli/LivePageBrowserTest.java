package io.walflow.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.walflow.views.stack.ViewStack;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import picocli.CommandLine;

/**
 * The live page in a real browser (Debian's headless chromium driven by chromedriver): the
 * {@code walflow run} stack on a real SQLite database with a token, the page opened as
 * {@code /#token=…}, a view clicked, its rows compared with SQLite before and after writes.
 * Leaves a screenshot in {@code app/target/live-page.png}.
 */
class LivePageBrowserTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final String TOKEN = "live-page-browser-test-token";
  static final String VIEW_SQL = "SELECT id, name, qty FROM items WHERE qty > 0";

  @TempDir Path dir;

  @Test
  void livePage_showsAViewAndFollowsWritesToSqlite() throws Exception {
    if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
      fail("the live page test needs " + CHROMIUM + " and " + CHROMEDRIVER + " (Debian's chromium and chromium-driver); "
          + "run the README's test command, ./test-all, which installs them");
    }
    Path db = dir.resolve("shop.db");
    String url = "jdbc:sqlite:" + db;
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL");
      st.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL)");
      st.execute("INSERT INTO items VALUES (1, 'apple', 3), (2, 'pear', 0), (3, 'plum', 7)");
    }
    RunCommand run = new RunCommand();
    new CommandLine(run).parseArgs("--db", "shop=" + db, "--data-dir", dir.resolve("data").toString(),
        "--http-port", "0", "--token", TOKEN, "--view", "stock=" + VIEW_SQL);
    try (ViewStack stack = ViewStack.start(run.config())) {
      WebDriver browser = browser();
      try {
        browser.get("http://127.0.0.1:" + stack.http().port() + "/#token=" + TOKEN);
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        WebElement view = wait.until(b -> b.findElements(By.cssSelector("#views tr.view")).stream()
            .filter(tr -> "stock".equals(tr.getAttribute("data-name"))).findFirst().orElse(null));
        view.click();
        waitForRows(wait, sqliteRows(url));

        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
          c.setAutoCommit(false);
          st.execute("UPDATE items SET qty = 5 WHERE id = 2");
          st.execute("DELETE FROM items WHERE id = 1");
          st.execute("INSERT INTO items VALUES (4, 'fig', 11)");
          c.commit();
        }
        waitForRows(wait, sqliteRows(url));
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
          st.execute("UPDATE items SET qty = 0 WHERE id = 3");
        }
        List<String> expected = sqliteRows(url);
        assertThat(expected).containsExactlyInAnyOrder("2|pear|5", "4|fig|11");
        waitForRows(wait, expected);

        Path png = Path.of("target", "live-page.png");
        Files.createDirectories(png.getParent());
        Files.write(png, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        System.out.println("live page screenshot: " + png.toAbsolutePath());
      } finally {
        browser.quit();
      }
    }
  }

  private WebDriver browser() throws Exception {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--window-size=1280,800", "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium-profile")));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  /** Waits until the page's result table holds exactly these rows (as "a|b|c", any order). */
  private static void waitForRows(WebDriverWait wait, List<String> expected) {
    List<String> want = expected.stream().sorted().toList();
    List<String> shown = new ArrayList<>();
    wait.withMessage(() -> "the live page's rows to become " + want + ", showing " + shown).until(b -> {
      // Read the table in one script: the page replaces its rows on every event.
      @SuppressWarnings("unchecked")
      List<String> now = (List<String>) ((JavascriptExecutor) b).executeScript(
          "return [...document.querySelectorAll('#result tbody tr')]"
              + ".map(tr => [...tr.cells].map(td => td.textContent).join('|'));");
      shown.clear();
      shown.addAll(now);
      shown.sort(null);
      return shown.equals(want);
    });
  }

  private static List<String> sqliteRows(String url) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(VIEW_SQL)) {
      while (rs.next()) {
        rows.add(rs.getLong(1) + "|" + rs.getString(2) + "|" + rs.getLong(3));
      }
    }
    return rows;
  }
}
