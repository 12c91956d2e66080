package io.walflow.views.http;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 connection on a plain socket, for tests that need what {@code HttpClient} hides:
 * several requests on one keep-alive connection, pipelined requests, bodies where none belong,
 * and whether the server closed the connection.
 */
final class RawConnection implements AutoCloseable {
  /** A parsed response. */
  record Response(int status, Map<String, String> headers, String body) {
    boolean closes() {
      return "close".equalsIgnoreCase(headers.getOrDefault("connection", ""));
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawConnection(int port, int readTimeoutMillis) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(readTimeoutMillis);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  /** The bytes of one request; {@code body} may be null (no body, no Content-Length). */
  static String request(String method, String target, String token, String body) {
    StringBuilder b = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: test\r\n");
    if (token != null) {
      b.append("Authorization: Bearer ").append(token).append("\r\n");
    }
    if (body != null) {
      b.append("Content-Type: application/json\r\nContent-Length: ")
          .append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n");
    }
    b.append("\r\n");
    if (body != null) {
      b.append(body);
    }
    return b.toString();
  }

  /** Writes requests back to back in one write (pipelining when there are several). */
  void send(String... requests) throws IOException {
    out.write(String.join("", requests).getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** Reads one response with a Content-Length body (throws on timeout or end of stream). */
  Response read() throws IOException {
    String status = line();
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not a status line: " + status);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = line(); !h.isEmpty(); h = line()) {
      int colon = h.indexOf(':');
      headers.put(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
    }
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(length);
    if (body.length < length) {
      throw new EOFException("body ended after " + body.length + " of " + length + " bytes");
    }
    return new Response(Integer.parseInt(parts[1]), headers, new String(body, StandardCharsets.UTF_8));
  }

  /** True when the server has closed the connection (end of stream before any further byte). */
  boolean closedByServer() throws IOException {
    try {
      return in.read() == -1;
    } catch (java.net.SocketException e) {
      return true;   // reset: closed as well
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c == -1) {
        throw new EOFException("connection closed by the server");
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
