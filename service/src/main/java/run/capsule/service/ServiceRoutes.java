package run.capsule.service;

import run.capsule.service.api.ScheduleRoutes;
import run.capsule.service.api.StaticFiles;
import run.capsule.service.api.StatsRoutes;
import run.capsule.service.api.TaskList;
import run.capsule.service.api.TaskRoutes;
import run.capsule.service.events.EventStream;
import run.capsule.service.http.Routes;
import run.capsule.service.metrics.ServiceMetrics;

import static run.capsule.service.http.Access.ADMIN;
import static run.capsule.service.http.Access.PUBLIC;
import static run.capsule.service.http.Access.READ;

/** Every route of the server, in one table (docs/api.md; openapi.yaml lists the same, RoutesMatchOpenApiTest checks it). */
final class ServiceRoutes {
    private ServiceRoutes() {
    }

    static Routes build(TaskRoutes tasks, TaskList list, ScheduleRoutes schedules, StatsRoutes stats, EventStream events,
                        ServiceMetrics metrics, Health health, StaticFiles files) {
        return new Routes()
                .add("GET", "/api/v1/session", READ, health::session)
                .add("POST", "/api/v1/tasks", ADMIN, tasks::submit)
                .add("GET", "/api/v1/tasks", READ, list::list)
                .add("GET", "/api/v1/tasks/{id}", READ, tasks::detail)
                .add("GET", "/api/v1/tasks/{id}/result", READ, tasks::result)
                .add("POST", "/api/v1/tasks/{id}/cancel", ADMIN, tasks::cancel)
                .add("POST", "/api/v1/tasks/{id}/rerun", ADMIN, tasks::rerun)
                .add("GET", "/api/v1/tasks/{id}/output", READ, tasks::output)
                .add("GET", "/api/v1/schedules", READ, schedules::list)
                .add("POST", "/api/v1/schedules", ADMIN, schedules::create)
                .add("DELETE", "/api/v1/schedules/{name}", ADMIN, schedules::delete)
                .add("POST", "/api/v1/schedules/{name}/pause", ADMIN, schedules::pause)
                .add("POST", "/api/v1/schedules/{name}/resume", ADMIN, schedules::resume)
                .add("GET", "/api/v1/stats", READ, stats::stats)
                .add("GET", "/api/v1/events", READ, events::stream)
                .add("GET", "/api/v1/openapi.yaml", PUBLIC, files::openApi)
                .add("GET", "/healthz", PUBLIC, health::healthz)
                .add("GET", "/readyz", PUBLIC, health::readyz)
                .add("GET", "/metrics", READ, metrics::scrape)
                .add("GET", "/{path...}", PUBLIC, files::dashboard);
    }
}
