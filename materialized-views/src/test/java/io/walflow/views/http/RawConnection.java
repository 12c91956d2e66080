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
    this(port, readTimeoutMillis, 0);
  }

  /** With a receive buffer of {@code receiveBuffer} bytes (0: the system's), set before connecting. */
  RawConnection(int port, int readTimeoutMillis, int receiveBuffer) throws IOException {
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
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
    Response head = readHead();
    int length = Integer.parseInt(head.headers().getOrDefault("content-length", "0"));
    byte[] body = in.readNBytes(length);
    if (body.length < length) {
      throw new EOFException("body ended after " + body.length + " of " + length + " bytes");
    }
    return new Response(head.status(), head.headers(), new String(body, StandardCharsets.UTF_8));
  }

  /** Reads a response's status line and headers; its body is left to {@link #chunkedBody}. */
  Response readHead() throws IOException {
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
    return new Response(Integer.parseInt(parts[1]), headers, "");
  }

  /** The rest of a {@code Transfer-Encoding: chunked} body, de-chunked, as it arrives. */
  InputStream chunkedBody() {
    return new InputStream() {
      private int left;
      private boolean ended;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        while (left == 0 && !ended) {
          String size = line();
          if (size.isEmpty()) {
            continue;   // the CRLF after a chunk's data
          }
          left = Integer.parseInt(size.split(";", 2)[0].strip(), 16);
          ended = left == 0;
        }
        if (ended) {
          return -1;
        }
        int n = in.read(b, off, Math.min(len, left));
        if (n == -1) {
          throw new EOFException("chunked body cut off");
        }
        left -= n;
        return n;
      }
    };
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
