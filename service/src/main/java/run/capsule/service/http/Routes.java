package run.capsule.service.http;

import java.util.ArrayList;
import java.util.List;

/** The routes of the server, in the order they are tried; built in one place ({@code ServiceRoutes}). */
public final class Routes {
    private final List<Route> routes = new ArrayList<>();

    public Routes add(String method, String pattern, Access access, Route.Handler handler) {
        routes.add(new Route(method, pattern, access, handler));
        return this;
    }

    public List<Route> all() {
        return List.copyOf(routes);
    }
}
