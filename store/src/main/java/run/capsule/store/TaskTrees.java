package run.capsule.store;

import org.jooq.Field;
import org.jooq.impl.DSL;
import run.capsule.store.jooq.tables.Tasks;

import static run.capsule.store.jooq.Tables.TASKS;

/** The root of a new task's tree ({@code tasks.root_id}): itself, or its parent's root (its parent when that has none). */
final class TaskTrees {
    private TaskTrees() {
    }

    static Field<String> rootOf(String taskId, String parentId) {
        if (parentId == null) {
            return DSL.val(taskId);
        }
        Tasks parent = TASKS.as("parent_task");
        return DSL.field(DSL.select(DSL.coalesce(parent.ROOT_ID, parent.ID)).from(parent).where(parent.ID.eq(parentId)));
    }
}
