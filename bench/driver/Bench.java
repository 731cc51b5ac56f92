import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * The benchmark harness's load driver and helper servers, one non-blocking Vert.x program (it runs
 * on the gateway's own Vert.x jars: see bench/README.md). Every mode is bounded in count and time
 * and talks to 127.0.0.1 only. Each mode prints one JSON object on stdout.
 *
 * <pre>
 *   upstream --port P [--delay-ms D] [--image-bytes N]     fake Vertex :predict (GET /count = calls so far;
 *                                                          prompts containing "warmup": no delay, not counted)
 *   rate     --url U --body B --rate R[,R2...] --seconds S [--conns C] [--header K:V]   open-loop fixed
 *                                                          rate(s), one JSON line per rate [--pid P: its CPU]
 *   burst    --url U --body B --n N                       N concurrent requests at once (dedup)
 *   sse      --url U --streams N --open-rate R [--pid P] [--max-seconds S]   concurrent SSE generations
 *            [--warmup-streams W [--warmup-body B]]      W streams run to their end first, unmeasured
 *   startup  --url U --body B --max-seconds S -- cmd...   time from exec to first 200, then RSS
 * </pre>
 *
 * In bodies, {i} is replaced by the request's sequence number and {r} by a random int.
 */
public class Bench {

    static final String PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("modes: upstream | rate | burst | sse | startup");
            System.exit(2);
        }
        Map<String, List<String>> opts = new HashMap<>();
        List<String> rest = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--")) {
                rest.addAll(Arrays.asList(args).subList(i + 1, args.length));
                break;
            }
            opts.computeIfAbsent(args[i].substring(2), k -> new ArrayList<>()).add(args[++i]);
        }
        switch (args[0]) {
            case "upstream" -> upstream(opts);
            case "rate" -> rate(opts);
            case "burst" -> burst(opts);
            case "sse" -> sse(opts);
            case "startup" -> startup(opts, rest);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    static String opt(Map<String, List<String>> o, String k, String def) {
        List<String> v = o.get(k);
        return v == null ? def : v.get(0);
    }

    static String body(String template, long i) {
        return template.replace("{i}", Long.toString(i))
                .replace("{r}", Integer.toString(ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE)));
    }

    // ------------------------------------------------------------------ upstream

    /** Fake Vertex: answers any POST with one image after --delay-ms, non-blocking; counts calls. */
    static void upstream(Map<String, List<String>> o) throws Exception {
        int port = Integer.parseInt(opt(o, "port", "18081"));
        long delay = Long.parseLong(opt(o, "delay-ms", "0"));
        int imageBytes = Integer.parseInt(opt(o, "image-bytes", "0"));
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        AtomicLong calls = new AtomicLong();
        AtomicLong h2 = new AtomicLong();
        String fixed = "{\"predictions\":[{\"bytesBase64Encoded\":\"" + PNG_1X1 + "\",\"mimeType\":\"image/png\"}]}";
        vertx.createHttpServer(new HttpServerOptions().setAcceptBacklog(8192).setIdleTimeout(0)
                .setInitialSettings(new io.vertx.core.http.Http2Settings().setMaxConcurrentStreams(100_000)))
                .requestHandler(req -> {
                    if (req.method() == HttpMethod.GET && req.path().equals("/count")) {
                        req.response().end("{\"calls\":" + calls.get() + ",\"http2\":" + h2.get() + "}");
                        return;
                    }
                    req.body().onComplete(b -> {
                        boolean warmup = b.succeeded() && b.result().toString().contains("warmup");
                        if (!warmup) {
                            calls.incrementAndGet();
                        }
                        if (req.version() == HttpVersion.HTTP_2) {
                            h2.incrementAndGet();
                        }
                        String answer = fixed;
                        if (imageBytes > 0) {
                            byte[] img = new byte[imageBytes];
                            ThreadLocalRandom.current().nextBytes(img);
                            answer = "{\"predictions\":[{\"bytesBase64Encoded\":\""
                                    + Base64.getEncoder().encodeToString(img) + "\",\"mimeType\":\"image/png\"}]}";
                        }
                        String out = answer;
                        Runnable send = () -> req.response().putHeader("content-type", "application/json").end(out);
                        // prompts containing "warmup" are answered at once (JIT warm-up before a measured hold)
                        if (delay > 0 && !warmup) {
                            vertx.setTimer(delay, t -> send.run());
                        } else {
                            send.run();
                        }
                    });
                }).listen(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
        System.out.println("{\"upstream\":" + port + ",\"delayMs\":" + delay + "}");
        Thread.currentThread().join();
    }

    // ------------------------------------------------------------------ shared client

    static Vertx clientVertx() {
        return Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setBlockedThreadCheckInterval(60_000));
    }

    static HttpClient client(Vertx vertx, int conns) {
        return vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false)
                .setIdleTimeout(0).setConnectTimeout(30_000).setTcpNoDelay(true),
                new PoolOptions().setHttp1MaxSize(conns).setMaxWaitQueueSize(-1));
    }

    record Target(String host, int port, String uri) {
        static Target of(String url) {
            URI u = URI.create(url);
            return new Target(u.getHost(), u.getPort(), u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery()));
        }
    }

    static RequestOptions post(Target t, Map<String, List<String>> o) {
        RequestOptions r = new RequestOptions().setMethod(HttpMethod.POST).setHost(t.host).setPort(t.port)
                .setURI(t.uri).putHeader("content-type", "application/json").setTimeout(60_000);
        for (String h : o.getOrDefault("header", List.of())) {
            int c = h.indexOf(':');
            r.putHeader(h.substring(0, c).trim(), h.substring(c + 1).trim());
        }
        return r;
    }

    static Map<String, Object> percentiles(long[] micros, int n) {
        long[] a = Arrays.copyOf(micros, n);
        Arrays.sort(a);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", n);
        if (n == 0) {
            return m;
        }
        double sum = 0;
        for (long v : a) {
            sum += v;
        }
        m.put("meanMs", round(sum / n / 1000.0));
        for (double p : new double[] {50, 90, 99, 99.9}) {
            int idx = (int) Math.min(n - 1, Math.ceil(p / 100.0 * n) - 1);
            m.put("p" + (p == Math.floor(p) ? Integer.toString((int) p) : Double.toString(p)) + "Ms", round(a[Math.max(0, idx)] / 1000.0));
        }
        m.put("maxMs", round(a[n - 1] / 1000.0));
        return m;
    }

    static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }

    // ------------------------------------------------------------------ rate (open loop)

    /**
     * Open-loop load at a fixed rate: request i is due at start + i/rate and its latency is counted
     * from that due time (so a stalled server cannot hide queueing: no coordinated omission).
     */
    static void rate(Map<String, List<String>> o) throws Exception {
        Vertx vertx = clientVertx();
        HttpClient client = client(vertx, Integer.parseInt(opt(o, "conns", "256")));
        double warmup = Double.parseDouble(opt(o, "warmup-seconds", "0"));
        // several rates (--rate 500,1000,2000) run one after the other on the same warm client, one JSON line each
        for (String rate : opt(o, "rate", "500").split(",")) {
            System.out.println(json(runRate(o, vertx, client, Double.parseDouble(rate.trim()), warmup)));
            warmup = 0.5;
        }
        vertx.close();
        System.exit(0);
    }

    static Map<String, Object> runRate(Map<String, List<String>> o, Vertx vertx, HttpClient client, double rate,
            double warmup) throws Exception {
        Target t = Target.of(opt(o, "url", null));
        String template = opt(o, "body", "{}");
        double seconds = Double.parseDouble(opt(o, "seconds", "10"));
        long total = (long) (rate * seconds);
        long warm = (long) (rate * warmup);
        String pid = opt(o, "pid", null);
        long cpu0 = pid == null ? 0 : cpuTicks(pid);
        long[] lat = new long[(int) total];
        AtomicInteger done = new AtomicInteger();
        AtomicInteger recorded = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        Map<String, AtomicInteger> statuses = new java.util.concurrent.ConcurrentHashMap<>();
        CompletableFuture<Void> finished = new CompletableFuture<>();
        RequestOptions base = post(t, o);
        long interval = 1_000_000_000L / Math.max(1, (long) rate);
        long[] sent = {0};
        long start = System.nanoTime() + 100_000_000L;
        long all = warm + total;
        vertx.runOnContext(v -> vertx.setPeriodic(1, id -> {
            long now = System.nanoTime();
            while (sent[0] < all && start + (long) (sent[0] * 1e9 / rate) <= now) {
                long i = sent[0]++;
                long due = start + (long) (i * 1e9 / rate);
                client.request(new RequestOptions(base))
                        .compose(req -> req.send(Buffer.buffer(body(template, i))).compose(resp -> {
                            statuses.computeIfAbsent(Integer.toString(resp.statusCode()), k -> new AtomicInteger()).incrementAndGet();
                            return resp.body().map(b -> resp.statusCode());
                        }))
                        .onComplete(ar -> {
                            long end = System.nanoTime();
                            if (ar.failed() || ar.result() >= 300) {
                                errors.incrementAndGet();
                                if (ar.failed()) {
                                    statuses.computeIfAbsent(ar.cause().getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
                                }
                            } else if (i >= warm) {
                                lat[recorded.getAndIncrement()] = (end - due) / 1000;
                            }
                            if (done.incrementAndGet() == all) {
                                finished.complete(null);
                            }
                        });
            }
            if (sent[0] >= all) {
                vertx.cancelTimer(id);
            }
        }));
        long deadline = (long) ((warmup + seconds) * 1000) + 60_000;
        boolean complete = true;
        try {
            finished.get(deadline, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            complete = false;
        }
        long elapsed = System.nanoTime() - start;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mode", "rate");
        out.put("url", opt(o, "url", null));
        out.put("targetRate", rate);
        out.put("seconds", seconds);
        out.put("warmupSeconds", warmup);
        out.put("sent", sent[0]);
        out.put("completed", done.get());
        out.put("errors", errors.get());
        out.put("allCompleted", complete);
        out.put("achievedRate", round(done.get() * 1e9 / elapsed));
        out.put("statuses", statuses);
        out.put("latency", percentiles(lat, recorded.get()));
        if (pid != null) {
            // CPU the process --pid used during this rate, warm-up included, in 1/100 s
            out.put("pidCpuTicks", cpuTicks(pid) - cpu0);
        }
        return out;
    }

    // ------------------------------------------------------------------ burst (dedup)

    /** N identical requests on N connections released together; X-Cache answers tallied. */
    static void burst(Map<String, List<String>> o) throws Exception {
        Target t = Target.of(opt(o, "url", null));
        String template = opt(o, "body", "{}");
        int n = Integer.parseInt(opt(o, "n", "1000"));
        Vertx vertx = clientVertx();
        HttpClient client = client(vertx, n);
        RequestOptions base = post(t, o);
        long[] lat = new long[n];
        AtomicInteger recorded = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        Map<String, AtomicInteger> cache = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, AtomicInteger> statuses = new java.util.concurrent.ConcurrentHashMap<>();
        CompletableFuture<Void> finished = new CompletableFuture<>();
        // connect first: every request gets its own connection, then all are sent within one loop turn
        List<io.vertx.core.http.HttpClientRequest> ready = new ArrayList<>();
        CompletableFuture<Void> allReady = new CompletableFuture<>();
        vertx.runOnContext(v -> {
            for (int i = 0; i < n; i++) {
                client.request(new RequestOptions(base)).onComplete(ar -> {
                    if (ar.succeeded()) {
                        synchronized (ready) {
                            ready.add(ar.result());
                        }
                    } else {
                        statuses.computeIfAbsent(ar.cause().getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
                        done.incrementAndGet();
                    }
                    synchronized (ready) {
                        if (ready.size() + done.get() == n) {
                            allReady.complete(null);
                        }
                    }
                });
            }
        });
        allReady.get(60, TimeUnit.SECONDS);
        long start = System.nanoTime();
        vertx.runOnContext(v -> {
            int i = 0;
            for (var req : ready) {
                String b = body(template, i++);
                req.send(Buffer.buffer(b)).compose(resp -> {
                    statuses.computeIfAbsent(Integer.toString(resp.statusCode()), k -> new AtomicInteger()).incrementAndGet();
                    cache.computeIfAbsent(String.valueOf(resp.getHeader("X-Cache")), k -> new AtomicInteger()).incrementAndGet();
                    return resp.body();
                }).onComplete(ar -> {
                    if (ar.succeeded()) {
                        lat[recorded.getAndIncrement()] = (System.nanoTime() - start) / 1000;
                    } else {
                        statuses.computeIfAbsent(ar.cause().getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
                    }
                    if (done.incrementAndGet() == n) {
                        finished.complete(null);
                    }
                });
            }
        });
        boolean complete = true;
        try {
            finished.get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            complete = false;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mode", "burst");
        out.put("n", n);
        out.put("completed", done.get());
        out.put("allCompleted", complete);
        out.put("cache", cache);
        out.put("statuses", statuses);
        out.put("latency", percentiles(lat, recorded.get()));
        System.out.println(json(out));
        vertx.close();
        System.exit(0);
    }

    // ------------------------------------------------------------------ sse

    static final class Stream {
        long sentAt;
        long firstEventAt;
        long endedAt;
        int terminals;
        int events;
        long lastId;
        int gaps;
        boolean lastWasTerminal;
        String terminalType;
        boolean closedOk;
        String failure;
        final StringBuilder pending = new StringBuilder();
        String curEvent;
        long curId = -1;
    }

    /**
     * Opens N concurrent SSE generations (POST /v1/generations, Accept: text/event-stream), each on
     * its own connection, at --open-rate per second; follows every stream to its end and checks the
     * event log: ids 1..k without gaps, exactly one terminal event (done|error) and it is the last.
     * Samples the gateway's RSS and CPU (from /proc/PID) every 250 ms while streams are open.
     */
    static void sse(Map<String, List<String>> o) throws Exception {
        Target t = Target.of(opt(o, "url", null));
        String template = opt(o, "body", "{\"prompt\":\"bench stream {i}\",\"sampleCount\":1}");
        int n = Integer.parseInt(opt(o, "streams", "1000"));
        double openRate = Double.parseDouble(opt(o, "open-rate", "2000"));
        long maxSeconds = Long.parseLong(opt(o, "max-seconds", "120"));
        String pid = opt(o, "pid", null);
        Vertx vertx = clientVertx();
        HttpClient client = client(vertx, n);
        RequestOptions base = post(t, o).putHeader("accept", "text/event-stream");
        int warmupStreams = Integer.parseInt(opt(o, "warmup-streams", "0"));
        if (warmupStreams > 0) {
            // the same code path in this process first, so neither the gateway nor this driver is measured cold
            warmStreams(vertx, client, base, opt(o, "warmup-body", "{\"prompt\":\"warmup {i}\",\"sampleCount\":1}"),
                    warmupStreams, openRate);
        }
        Stream[] streams = new Stream[n];
        AtomicInteger ended = new AtomicInteger();
        AtomicInteger open = new AtomicInteger();
        AtomicInteger maxOpen = new AtomicInteger();
        CompletableFuture<Void> finished = new CompletableFuture<>();
        long start = System.nanoTime();
        openAtRate(vertx, n, openRate, start, i -> {
            Stream s = streams[i] = new Stream();
            s.sentAt = System.nanoTime();
            client.request(new RequestOptions(base)).compose(req -> req.send(Buffer.buffer(body(template, i))))
                    .onComplete(ar -> {
                        if (ar.failed()) {
                            s.failure = ar.cause().getClass().getSimpleName() + ": " + ar.cause().getMessage();
                            end(s, ended, n, finished);
                            return;
                        }
                        var resp = ar.result();
                        if (resp.statusCode() != 200) {
                            s.failure = "status " + resp.statusCode();
                        }
                        maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                        resp.handler(buf -> parse(s, buf.toString(StandardCharsets.UTF_8)));
                        resp.exceptionHandler(e -> s.failure = e.getClass().getSimpleName() + ": " + e.getMessage());
                        resp.endHandler(x -> {
                            s.closedOk = true;
                            open.decrementAndGet();
                            end(s, ended, n, finished);
                        });
                    });
        });
        // sample the gateway while streams are open
        List<long[]> samples = new ArrayList<>();
        long lastCpu = pid == null ? 0 : cpuTicks(pid);
        long lastT = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(maxSeconds);
        while (!finished.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(250);
            if (pid != null) {
                long cpu = cpuTicks(pid);
                long now = System.nanoTime();
                // ticks are 1/100 s: ticks per second = % of one core
                long pct = Math.round((cpu - lastCpu) / ((now - lastT) / 1e9));
                samples.add(new long[] {(now - start) / 1_000_000, rssKb(pid), pct, open.get()});
                lastCpu = cpu;
                lastT = now;
            }
        }
        boolean complete = finished.isDone();
        int ok = 0, exactlyOneTerminal = 0, noTerminal = 0, failed = 0, lost = 0, done = 0, errorEvents = 0;
        Map<String, Integer> failures = new LinkedHashMap<>();
        long[] ttfe = new long[n];
        int ttfeN = 0;
        long[] total = new long[n];
        int totalN = 0;
        for (Stream s : streams) {
            if (s == null) {
                continue;
            }
            if (s.firstEventAt > 0) {
                ttfe[ttfeN++] = (s.firstEventAt - s.sentAt) / 1000;
            }
            if (s.endedAt > 0 && s.terminals == 1) {
                total[totalN++] = (s.endedAt - s.sentAt) / 1000;
            }
            if (s.terminals == 1 && s.lastWasTerminal) {
                exactlyOneTerminal++;
            }
            if (s.terminals == 0) {
                noTerminal++;
            }
            if ("done".equals(s.terminalType)) {
                done++;
            } else if ("error".equals(s.terminalType)) {
                errorEvents++;
            }
            // lost = ids skipped inside a stream, plus one for every stream that ended without its terminal event
            lost += s.gaps + (s.terminals == 0 ? 1 : 0);
            if (s.failure != null) {
                failed++;
                failures.merge(s.failure.length() > 80 ? s.failure.substring(0, 80) : s.failure, 1, Integer::sum);
            }
            if (s.terminals == 1 && s.lastWasTerminal && s.gaps == 0 && s.closedOk && "done".equals(s.terminalType)) {
                ok++;
            }
        }
        long peakRss = 0, sumCpu = 0, maxCpu = 0;
        int held = 0;
        for (long[] smp : samples) {
            peakRss = Math.max(peakRss, smp[1]);
            if (smp[3] >= 0.9 * n) {
                // "during the hold": at least 90 % of the streams open
                sumCpu += smp[2];
                held++;
                maxCpu = Math.max(maxCpu, smp[2]);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mode", "sse");
        out.put("streams", n);
        out.put("openRate", openRate);
        out.put("allEnded", complete);
        out.put("maxConcurrentOpen", maxOpen.get());
        out.put("completedOk", ok);
        out.put("exactlyOneTerminal", exactlyOneTerminal);
        out.put("doneEvents", done);
        out.put("errorEvents", errorEvents);
        out.put("noTerminal", noTerminal);
        out.put("eventsLost", lost);
        out.put("failedStreams", failed);
        out.put("failures", failures);
        out.put("timeToFirstEvent", percentiles(ttfe, ttfeN));
        out.put("streamDuration", percentiles(total, totalN));
        out.put("peakRssMb", round(peakRss / 1024.0));
        out.put("holdSamples", held);
        out.put("holdCpuAvgPct", held == 0 ? 0 : round((double) sumCpu / held));
        out.put("holdCpuMaxPct", maxCpu);
        List<Object> series = new ArrayList<>();
        for (long[] smp : samples) {
            series.add(List.of(smp[0], round(smp[1] / 1024.0), smp[2], smp[3]));
        }
        out.put("samples[ms,rssMb,cpuPct,open]", series);
        System.out.println(json(out));
        vertx.close();
        System.exit(0);
    }

    /** Calls {@code open} with 0..n-1, the i-th at {@code start + i / rate}, from a 1 ms timer on the event loop. */
    static void openAtRate(Vertx vertx, int n, double rate, long start, java.util.function.IntConsumer open) {
        int[] next = {0};
        vertx.runOnContext(v -> vertx.setPeriodic(1, id -> {
            long now = System.nanoTime();
            while (next[0] < n && (long) (next[0] * 1e9 / rate) <= now - start) {
                open.accept(next[0]++);
            }
            if (next[0] >= n) {
                vertx.cancelTimer(id);
            }
        }));
    }

    /** Opens {@code n} streams at {@code rate} per second and waits (at most 60 s) until every one ended. */
    static void warmStreams(Vertx vertx, HttpClient client, RequestOptions base, String template, int n, double rate)
            throws Exception {
        AtomicInteger ended = new AtomicInteger();
        CompletableFuture<Void> finished = new CompletableFuture<>();
        openAtRate(vertx, n, rate, System.nanoTime(), i -> {
            Stream s = new Stream();
            client.request(new RequestOptions(base)).compose(req -> req.send(Buffer.buffer(body(template, i))))
                    .onComplete(ar -> {
                        if (ar.failed()) {
                            end(s, ended, n, finished);
                            return;
                        }
                        ar.result().handler(buf -> parse(s, buf.toString(StandardCharsets.UTF_8)));
                        ar.result().exceptionHandler(e -> {
                        });
                        ar.result().endHandler(x -> end(s, ended, n, finished));
                    });
        });
        try {
            finished.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            System.err.println("warm-up: " + ended.get() + " of " + n + " streams ended within 60 s");
        }
    }

    static void end(Stream s, AtomicInteger ended, int n, CompletableFuture<Void> finished) {
        s.endedAt = System.nanoTime();
        if (ended.incrementAndGet() == n) {
            finished.complete(null);
        }
    }

    static void parse(Stream s, String chunk) {
        s.pending.append(chunk);
        int nl;
        while ((nl = s.pending.indexOf("\n")) >= 0) {
            String line = s.pending.substring(0, nl);
            s.pending.delete(0, nl + 1);
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (line.isEmpty()) {
                if (s.curEvent != null || s.curId >= 0) {
                    dispatch(s);
                }
                s.curEvent = null;
                s.curId = -1;
            } else if (line.startsWith("id:")) {
                s.curId = Long.parseLong(line.substring(3).trim());
            } else if (line.startsWith("event:")) {
                s.curEvent = line.substring(6).trim();
            }
        }
    }

    static void dispatch(Stream s) {
        if (s.firstEventAt == 0) {
            s.firstEventAt = System.nanoTime();
        }
        s.events++;
        if (s.curId >= 0) {
            if (s.curId != s.lastId + 1) {
                s.gaps += (int) Math.max(0, s.curId - s.lastId - 1);
            }
            s.lastId = s.curId;
        }
        boolean terminal = "done".equals(s.curEvent) || "error".equals(s.curEvent);
        if (terminal) {
            s.terminals++;
            s.terminalType = s.curEvent;
        }
        s.lastWasTerminal = terminal;
    }

    static long rssKb(String pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    static long cpuTicks(String pid) {
        try {
            String stat = Files.readString(Path.of("/proc", pid, "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime
        } catch (IOException e) {
            return 0;
        }
    }

    // ------------------------------------------------------------------ startup

    /** Starts the command, polls --url with POST --body every 5 ms until a 200, then reads RSS. */
    static void startup(Map<String, List<String>> o, List<String> cmd) throws Exception {
        String url = opt(o, "url", null);
        String bodyText = opt(o, "body", "{}");
        long maxSeconds = Long.parseLong(opt(o, "max-seconds", "60"));
        String log = opt(o, "log", "/dev/null");
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .connectTimeout(java.time.Duration.ofSeconds(2)).build();
        java.net.http.HttpRequest req = java.net.http.HttpRequest.newBuilder(URI.create(url))
                .timeout(java.time.Duration.ofSeconds(10)).header("content-type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(bodyText)).build();
        // warm the client up against the not-yet-started port so its own class loading is not measured
        for (int i = 0; i < 3; i++) {
            try {
                http.send(req, java.net.http.HttpResponse.BodyHandlers.discarding());
            } catch (IOException expected) {
                // nothing listens yet
            }
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(new java.io.File(log));
        long t0 = System.nanoTime();
        Process p = pb.start();
        long firstOk = -1;
        int polls = 0;
        while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(maxSeconds) && p.isAlive()) {
            polls++;
            try {
                var resp = http.send(req, java.net.http.HttpResponse.BodyHandlers.discarding());
                if (resp.statusCode() == 200) {
                    firstOk = System.nanoTime();
                    break;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(5);
        }
        String pid = Long.toString(p.pid());
        long rssAtFirst = rssKb(pid);
        Thread.sleep(1000);
        long rssAfter1s = rssKb(pid);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mode", "startup");
        out.put("cmd", String.join(" ", cmd));
        out.put("firstOkMs", firstOk < 0 ? -1 : round((firstOk - t0) / 1e6));
        out.put("polls", polls);
        out.put("rssAtFirstOkMb", round(rssAtFirst / 1024.0));
        out.put("rssAfter1sMb", round(rssAfter1s / 1024.0));
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        System.out.println(json(out));
        System.exit(0);
    }

    // ------------------------------------------------------------------ tiny JSON writer

    static String json(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v);
        return sb.toString();
    }

    static void write(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (var e : m.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                write(sb, String.valueOf(e.getKey()));
                sb.append(':');
                write(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                write(sb, l.get(i));
            }
            sb.append(']');
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v instanceof AtomicInteger a ? a.get() : v);
        } else {
            sb.append('"').append(v.toString().replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
    }
}
