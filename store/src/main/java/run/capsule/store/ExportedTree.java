package run.capsule.store;

import java.util.List;
import java.util.Map;

/**
 * One task tree as the journal holds it, table by table (docs/sql.md, "Export"): each row a map of column name to
 * value; tasks parents first, the other rows in their tables' key order. Secrets are never part of it;
 * modules are described (sha256, size_bytes, created_at) and hold their {@code bytes} only when asked for.
 * {@code labels} are {@code task_labels} rows, {@code output} the guest's stdout and stderr ({@code attempt_output}).
 */
public record ExportedTree(String rootId, List<Map<String, Object>> tasks, List<Map<String, Object>> attempts,
                           List<Map<String, Object>> events, List<Map<String, Object>> steps, List<Map<String, Object>> hostRequests,
                           List<Map<String, Object>> modules, List<Map<String, Object>> labels, List<Map<String, Object>> output) {
}
