package io.walflow.dataflow;

import java.util.List;

/** No view has that name; the message lists the views that exist. */
public final class NoSuchViewException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String view;

  public NoSuchViewException(String view, List<String> existing) {
    super("no view named '" + view + "'; views: " + (existing.isEmpty() ? "(none)" : String.join(", ", existing)));
    this.view = view;
  }

  public String view() {
    return view;
  }
}
