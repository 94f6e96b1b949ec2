package run.capsule.service.http;

import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import run.capsule.service.auth.RequestGuard;

/** The embedded Jetty server: one connector, one servlet ({@link Dispatcher}) for every path, JSON errors throughout. */
public final class HttpServer implements AutoCloseable {
    private final Server server;
    private final ServerConnector connector;

    private HttpServer(Server server, ServerConnector connector) {
        this.server = server;
        this.connector = connector;
    }

    public static HttpServer start(String bind, int port, Routes routes, RequestGuard guard, long maxBody) throws Exception {
        return start(bind, port, routes, guard, maxBody, null);
    }

    /** With {@code extra} (the MCP endpoint): a servlet at its path behind its filter, besides the routes. */
    public static HttpServer start(String bind, int port, Routes routes, RequestGuard guard, long maxBody, GuardedServlet extra) throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(200, 4);
        threads.setName("capsule-http");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(bind);
        connector.setPort(port);
        connector.getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration().setSendServerVersion(false);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder(new Dispatcher(routes, guard, maxBody)), "/");
        if (extra != null) {
            ServletHolder holder = new ServletHolder(extra.servlet());
            holder.setAsyncSupported(true);
            context.addServlet(holder, extra.path());
            FilterHolder filter = new FilterHolder(extra.filter());
            filter.setAsyncSupported(true);
            context.addFilter(filter, extra.path(), EnumSet.of(DispatcherType.REQUEST));
        }
        context.setErrorHandler(new JsonErrorHandler());
        server.setErrorHandler(new JsonErrorHandler());
        server.setHandler(context);
        server.setStopTimeout(2000);
        server.start();
        return new HttpServer(server, connector);
    }

    /** A servlet at an exact path with the filter that guards it. */
    public record GuardedServlet(String path, jakarta.servlet.http.HttpServlet servlet, jakarta.servlet.Filter filter) {
    }

    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping anyway: the process is going down
        }
    }
}
