package run.capsule.store;

import java.util.List;

/** The columns (lower-cased labels) and rows of a read-only query; values are JDBC objects. */
public record QueryResult(List<String> columns, List<List<Object>> rows, boolean truncated) {
}
