package imagen.gateway.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;
import java.util.stream.Stream;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import redis.embedded.RedisServer;

/**
 * A real redis-server on a free loopback port: the one on PATH when there is one (CI installs
 * Debian's), else the binary that embedded-redis ships. Also a Quarkus test resource that points
 * the gateway at it with {@code imagen.cache.backend=redis}. {@link #stop()} and {@link #start()}
 * let tests take Redis away and bring it back on the same port.
 */
public class RedisTestServer implements QuarkusTestResourceLifecycleManager {

    private static RedisTestServer current;

    private final int port = freePort();
    private RedisServer server;

    public static RedisTestServer current() {
        return current;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    @Override
    public Map<String, String> start() {
        current = this;
        startServer();
        return Map.of("imagen.cache.backend", "redis", "quarkus.redis.hosts", url());
    }

    public synchronized void startServer() {
        try {
            File installed = Stream.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")
                    .map(File::new).filter(File::canExecute).findFirst().orElse(null);
            server = installed != null ? new RedisServer(port, installed) : new RedisServer(port);
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized void stopServer() {
        try {
            if (server != null) {
                server.stop();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        stopServer();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
