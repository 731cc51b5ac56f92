package imagen.gateway.api.openapi;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.Paths;
import org.eclipse.microprofile.openapi.models.headers.Header;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.MediaType;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.media.Schema.SchemaType;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

import io.quarkus.smallrye.openapi.OpenApiFilter;

/**
 * What the OpenAPI document says of every operation alike, applied once, at build time (the
 * document is served as built: nothing runs at start). What one operation answers is in its
 * resource's annotations; this adds what they share:
 * <ol>
 * <li>the responses and headers the operations refer to by name ({@code #/components/responses},
 * {@code #/components/headers}), and the ways to present an API key;</li>
 * <li>on every operation under {@code /v1} and {@code /v1beta1}: 401 (with {@code imagen.api-keys}),
 * 429 and 500, and 413 and 415 where a JSON body is taken, unless the operation says otherwise;</li>
 * <li>the Vertex-compatible paths as Google's SDKs call them, once under {@code /v1} and once under
 * {@code /v1beta1} (the resources match both with one {@code {version: v1|v1beta1}} template), with
 * their {@code project}, {@code location} and {@code model} parameters;</li>
 * <li>no framework type as an API schema: a reference to Jackson's tree types, JAX-RS's
 * {@code MediaType} or {@code OutboundSseEvent} becomes the plain JSON it stands for, and their
 * schemas leave {@code components}.</li>
 * </ol>
 */
@OpenApiFilter(stages = OpenApiFilter.RunStage.BUILD)
public class ApiDocumentFilter implements OASFilter {

    static final String PROBLEM = "Problem";
    static final String VERTEX_ERROR = "VertexError";
    static final String GENERATION_REQUEST = "GenerationRequest";

    /** Framework types the scan turns into schemas, and the JSON each one really is on the wire. */
    private static final Map<String, Supplier<Schema>> FRAMEWORK_TYPES = Map.ofEntries(
            Map.entry("JsonNode", () -> OASFactory.createSchema().description("Any JSON value")),
            Map.entry("ObjectNode", () -> OASFactory.createSchema().addType(SchemaType.OBJECT)),
            Map.entry("ArrayNode", () -> OASFactory.createSchema().addType(SchemaType.ARRAY)),
            Map.entry("JsonNodeType", () -> OASFactory.createSchema().addType(SchemaType.STRING)),
            Map.entry("MediaType", () -> OASFactory.createSchema().addType(SchemaType.STRING)),
            Map.entry("OutboundSseEvent", () -> OASFactory.createSchema().addType(SchemaType.STRING)
                    .description("One Server-Sent Event")),
            Map.entry("Response", OASFactory::createSchema),
            Map.entry("Multi", OASFactory::createSchema),
            Map.entry("Uni", OASFactory::createSchema));

    private static final String VERSION_PREFIX = "/{version}/";
    private static final String SIMULATOR_FAULT = "X-Simulator-Fault";
    private static final String NOT_BLANK = "\\S";
    private static final List<String> VERSIONS = List.of("v1", "v1beta1");

    @Override
    public void filterOpenAPI(OpenAPI api) {
        replaceFrameworkTypes(api);
        require(api, PROBLEM, VERTEX_ERROR, GENERATION_REQUEST);
        closeJacksonBodies(api, GENERATION_REQUEST);
        Components components = api.getComponents();
        sharedHeaders().forEach(components::addHeader);
        sharedResponses().forEach(components::addResponse);
        securitySchemes().forEach(components::addSecurityScheme);
        Paths paths = api.getPaths();
        for (Map.Entry<String, PathItem> path : paths.getPathItems().entrySet()) {
            if (!isApi(path.getKey())) {
                continue;
            }
            for (Operation operation : path.getValue().getOperations().values()) {
                addSharedResponses(operation, path.getKey().contains("/publishers/google/models/"));
                operation.setSecurity(apiKeyRequirements());
                describeSimulatorFault(operation);
            }
        }
        expandVertexVersions(paths);
        declareTemplateParameters(paths);
    }

    // --- shared responses ---------------------------------------------------------------------

    private static Map<String, Header> sharedHeaders() {
        Map<String, Header> headers = new LinkedHashMap<>();
        headers.put("RetryAfter", header("Seconds to wait before trying again (retryAfterMs rounded up)",
                SchemaType.INTEGER));
        headers.put("WwwAuthenticate", header("`Bearer realm=\"imagen-gateway\"`", SchemaType.STRING));
        headers.put("XCache", OASFactory.createHeader().description("The de-duplication decision: miss, hit or"
                + " coalesced").schema(ref("CacheStatus")));
        headers.put("XGenerationId", header("The id of the job behind the answer (its status is"
                + " /v1/generations/{id})", SchemaType.STRING));
        headers.put("XServedBy", header("The Gemini model that serves the retired Imagen model the request named",
                SchemaType.STRING));
        return headers;
    }

    private static Map<String, APIResponse> sharedResponses() {
        Map<String, APIResponse> responses = new LinkedHashMap<>();
        responses.put("Unauthorized", problem("Only when imagen.api-keys is set: the request carries no API key, or"
                + " not one of them. Present a key as `Authorization: Bearer`, `x-goog-api-key`, `X-API-Key` or"
                + " `?key=`.", PROBLEM).addHeader("WWW-Authenticate", headerRef("WwwAuthenticate")));
        responses.put("ContentTooLarge", problem("The body is larger than quarkus.http.limits.max-body-size"
                + " (256 KiB by default), refused as soon as the limit is passed, with or without a Content-Length;"
                + " the connection is closed.", PROBLEM));
        responses.put("UnsupportedMediaType", problem("The body is not sent as `Content-Type: application/json`;"
                + " `Accept-Post` names the type.", PROBLEM));
        responses.put("VertexContentTooLarge", problem("The body is larger than quarkus.http.limits.max-body-size"
                + " (256 KiB by default), refused as soon as the limit is passed, with or without a Content-Length;"
                + " the connection is closed. INVALID_ARGUMENT in Google's envelope.", VERTEX_ERROR));
        responses.put("VertexUnsupportedMediaType", problem("The body is not sent as `Content-Type: application/json`;"
                + " `Accept-Post` names the type. INVALID_ARGUMENT in Google's envelope.", VERTEX_ERROR));
        responses.put("TooManyRequests", problem("Too many requests: more jobs running at once than imagen.jobs.max-jobs, or"
                + " the caller's quota is used up. Retry after `Retry-After`.", PROBLEM)
                .addHeader("Retry-After", headerRef("RetryAfter")));
        responses.put("InternalError", problem("The gateway failed to handle the request", PROBLEM));
        // the synchronous Vertex-compatible answers: the generation's own failure carries Google's envelope
        responses.put("VertexInvalidRequest", problem("Invalid request: Google's envelope with a google.rpc.BadRequest"
                + " naming every bad field by its JSON path, or Vertex AI's own INVALID_ARGUMENT. A body that is not"
                + " JSON at all is a bare problem.", VERTEX_ERROR, PROBLEM));
        responses.put("VertexNotFound", problem("Vertex AI answered NOT_FOUND (the model is not available to the"
                + " gateway's project or location)", VERTEX_ERROR));
        responses.put("VertexUnprocessable", problem("The model finished without an image (NO_IMAGE, a text-only"
                + " answer, a safety finish with no image to withhold); vertexStatus names the finish reason",
                VERTEX_ERROR));
        responses.put("VertexTooManyRequests", problem("Vertex AI's quota (RESOURCE_EXHAUSTED) after the gateway's"
                + " retries, the gateway's own bulkhead, or too many jobs running here (a bare problem).",
                VERTEX_ERROR, PROBLEM).addHeader("Retry-After", headerRef("RetryAfter")));
        responses.put("VertexInternalError", problem("Vertex AI's INTERNAL after the gateway's retries, or the gateway"
                + " failed (a bare problem)", VERTEX_ERROR, PROBLEM));
        responses.put("VertexBadGateway", problem("Vertex AI failed: an unreadable or truncated answer, a broken"
                + " connection, or the gateway's own credentials refused (UNAUTHENTICATED, PERMISSION_DENIED)",
                VERTEX_ERROR));
        responses.put("VertexUnavailable", problem("Vertex AI is unavailable after the gateway's retries, or every"
                + " location's circuit breaker is open, or (a bare problem) an image left the image store before it"
                + " was returned. Retry after `Retry-After`.", VERTEX_ERROR, PROBLEM)
                .addHeader("Retry-After", headerRef("RetryAfter")));
        responses.put("VertexTimeout", problem("An attempt outlived imagen.resilience.attempt-timeout after the"
                + " gateway's retries (DEADLINE_EXCEEDED), or an identical request this one was coalesced onto took"
                + " longer than a generation can", VERTEX_ERROR));
        return responses;
    }

    /** 401, 429 and 500 everywhere; 413 and 415 where a JSON body is read. The operation's own answers win. */
    private static void addSharedResponses(Operation operation, boolean vertex) {
        var responses = operation.getResponses();
        putIfAbsent(operation, "401", "Unauthorized");
        boolean jsonBody = operation.getRequestBody() != null && operation.getRequestBody().getContent() != null
                && operation.getRequestBody().getContent().hasMediaType("application/json");
        if (jsonBody) {
            putIfAbsent(operation, "413", vertex ? "VertexContentTooLarge" : "ContentTooLarge");
            putIfAbsent(operation, "415", vertex ? "VertexUnsupportedMediaType" : "UnsupportedMediaType");
        }
        putIfAbsent(operation, "429", "TooManyRequests");
        putIfAbsent(operation, "500", "InternalError");
        // keep the responses in status order, as a reader scans them
        Map<String, APIResponse> sorted = new java.util.TreeMap<>(responses.getAPIResponses());
        responses.setAPIResponses(sorted);
    }

    private static void putIfAbsent(Operation operation, String status, String component) {
        if (!operation.getResponses().hasAPIResponse(status)) {
            operation.getResponses().addAPIResponse(status,
                    OASFactory.createAPIResponse().ref("#/components/responses/" + component));
        }
    }

    private static APIResponse problem(String description, String... schemas) {
        Schema schema = schemas.length == 1 ? ref(schemas[0])
                : OASFactory.createSchema().anyOf(java.util.Arrays.stream(schemas).map(ApiDocumentFilter::ref).toList());
        return OASFactory.createAPIResponse().description(description).content(OASFactory.createContent()
                .addMediaType(ErrorSchemas.PROBLEM_JSON, OASFactory.createMediaType().schema(schema)));
    }

    private static void describeSimulatorFault(Operation operation) {
        if (operation.getParameters() == null) {
            return;
        }
        operation.getParameters().stream().filter(p -> SIMULATOR_FAULT.equalsIgnoreCase(p.getName()))
                .forEach(p -> p.setDescription("Only with the embedded simulator as upstream (imagen.upstream=simulator);"
                        + " ignored with Vertex AI. Faults to inject, one per attempt, comma-separated: a status"
                        + " (`503`, `429:2s`), `timeout`, `reset`, `malformed`, `delay:<ms>`, `stream-<status>`, `ok`."
                        + " For tests and demos."));
    }

    // --- API keys -------------------------------------------------------------------------------

    private static Map<String, SecurityScheme> securitySchemes() {
        String only = " Only checked when imagen.api-keys is set.";
        Map<String, SecurityScheme> schemes = new LinkedHashMap<>();
        schemes.put("bearer", OASFactory.createSecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                .description("`Authorization: Bearer <key>`." + only));
        schemes.put("googApiKey", OASFactory.createSecurityScheme().type(SecurityScheme.Type.APIKEY)
                .in(SecurityScheme.In.HEADER).name("x-goog-api-key").description("As Google's SDKs send it." + only));
        schemes.put("apiKeyHeader", OASFactory.createSecurityScheme().type(SecurityScheme.Type.APIKEY)
                .in(SecurityScheme.In.HEADER).name("X-API-Key").description("The key in X-API-Key." + only));
        schemes.put("keyQuery", OASFactory.createSecurityScheme().type(SecurityScheme.Type.APIKEY)
                .in(SecurityScheme.In.QUERY).name("key").description("For EventSource, which cannot set headers." + only));
        return schemes;
    }

    /** No key at all (imagen.api-keys unset), or any one of the four ways. */
    private static List<SecurityRequirement> apiKeyRequirements() {
        List<SecurityRequirement> requirements = new ArrayList<>();
        requirements.add(OASFactory.createSecurityRequirement());
        for (String scheme : List.of("bearer", "googApiKey", "apiKeyHeader", "keyQuery")) {
            requirements.add(OASFactory.createSecurityRequirement().addScheme(scheme));
        }
        return requirements;
    }

    // --- Vertex-compatible paths ----------------------------------------------------------------

    /** {@code /{version}/...} → {@code /v1/...} and {@code /v1beta1/...}, each with the path's parameters. */
    private static void expandVertexVersions(Paths paths) {
        Map<String, PathItem> expanded = new LinkedHashMap<>();
        for (Map.Entry<String, PathItem> entry : paths.getPathItems().entrySet()) {
            String path = entry.getKey();
            if (!path.startsWith(VERSION_PREFIX)) {
                expanded.put(path, entry.getValue());
                continue;
            }
            for (String version : VERSIONS) {
                PathItem item = OASFactory.createPathItem();
                entry.getValue().getOperations().forEach((method, operation) -> item.setOperation(method,
                        copy(operation, path, "v1".equals(version) ? "" : "V1beta1")));
                expanded.put("/" + version + path.substring(VERSION_PREFIX.length() - 1), item);
            }
        }
        paths.setPathItems(expanded);
    }

    private static Operation copy(Operation operation, String path, String idSuffix) {
        List<Parameter> parameters = new ArrayList<>();
        for (String name : List.of("project", "location", "model")) {
            if (path.contains("{" + name + "}")) {
                parameters.add(vertexPathParameter(name, path));
            }
        }
        if (operation.getParameters() != null) {
            operation.getParameters().stream()
                    .filter(p -> !(Parameter.In.PATH.equals(p.getIn()) && Set.of("version", "project", "location", "model")
                            .contains(p.getName())))
                    .forEach(parameters::add);
        }
        return OASFactory.createOperation()
                .tags(operation.getTags())
                .summary(operation.getSummary())
                .description(operation.getDescription())
                .externalDocs(operation.getExternalDocs())
                .operationId(operation.getOperationId() == null ? null : operation.getOperationId() + idSuffix)
                .parameters(parameters)
                .requestBody(operation.getRequestBody())
                .responses(operation.getResponses())
                .callbacks(operation.getCallbacks())
                .deprecated(operation.getDeprecated())
                .security(operation.getSecurity())
                .servers(operation.getServers())
                .extensions(operation.getExtensions());
    }

    private static Parameter vertexPathParameter(String name, String path) {
        String description = switch (name) {
            case "project", "location" -> "Accepted and not used: the gateway calls its own configured project and"
                    + " locations (imagen.vertex.*) with its own credentials";
            default -> "The model, as in GET /v1/models: an Imagen model for :predict, a Gemini image model for"
                    + " :generateContent";
        };
        Parameter parameter = OASFactory.createParameter().name(name).in(Parameter.In.PATH).required(true)
                .description(description).schema(OASFactory.createSchema().addType(SchemaType.STRING));
        return parameter.example(switch (name) {
            case "project" -> "my-project";
            case "location" -> "global";
            default -> path.endsWith(":predict") ? "imagen-4.0-fast-generate-001" : "gemini-3.1-flash-image";
        });
    }

    /** Every {@code {name}} of a path has its parameter (the simulator's resources do not declare them all). */
    private static void declareTemplateParameters(Paths paths) {
        paths.getPathItems().forEach((path, item) -> {
            var names = java.util.regex.Pattern.compile("\\{([^}/:]+)}").matcher(path).results().map(m -> m.group(1))
                    .toList();
            for (Operation operation : item.getOperations().values()) {
                for (String name : names) {
                    boolean declared = operation.getParameters() != null && operation.getParameters().stream()
                            .anyMatch(p -> Parameter.In.PATH.equals(p.getIn()) && name.equals(p.getName()));
                    if (!declared) {
                        operation.addParameter(OASFactory.createParameter().name(name).in(Parameter.In.PATH)
                                .required(true).description("version".equals(name) ? "v1 or v1beta1" : null)
                                .schema(OASFactory.createSchema().addType(SchemaType.STRING)));
                    }
                }
            }
        });
    }

    /**
     * A body Jackson reads and Bean Validation checks, as the gateway takes it: closed
     * (quarkus.jackson.fail-on-unknown-properties makes an unknown member a 400, so it and the
     * objects in it say additionalProperties: false), each @Pattern anchored, and bytes in base64.
     */
    private static void closeJacksonBodies(OpenAPI api, String root) {
        Map<String, Schema> schemas = api.getComponents().getSchemas();
        java.util.Deque<String> pending = new java.util.ArrayDeque<>(List.of(root));
        Set<String> done = new java.util.HashSet<>();
        while (!pending.isEmpty()) {
            String name = pending.pop();
            Schema schema = schemas.get(name);
            if (!done.add(name) || schema == null) {
                continue;
            }
            if (schema.getProperties() != null && schema.getAdditionalPropertiesSchema() == null
                    && schema.getAdditionalPropertiesBoolean() == null) {
                schema.setAdditionalPropertiesBoolean(Boolean.FALSE);
            }
            visitSchema(schema, nested -> {
                if (nested.getRef() != null) {
                    pending.push(nested.getRef().substring(nested.getRef().lastIndexOf('/') + 1));
                }
                // @Pattern holds for the whole value; a JSON Schema pattern matches anywhere in it.
                // (@NotBlank is written as \S, which is meant to match anywhere.)
                // byte[] is base64 in JSON (the scan says binary)
                if ("binary".equals(nested.getFormat())) {
                    nested.setFormat("byte");
                    nested.setContentEncoding("base64");
                }
                String pattern = nested.getPattern();
                if (pattern != null && !pattern.startsWith("^") && !NOT_BLANK.equals(pattern)) {
                    nested.setPattern("^(?:" + pattern + ")$");
                }
            });
        }
    }

    // --- framework types ------------------------------------------------------------------------

    private static void replaceFrameworkTypes(OpenAPI api) {
        Map<String, Schema> schemas = api.getComponents() == null ? null : api.getComponents().getSchemas();
        if (schemas == null) {
            return;
        }
        forEachSchema(api, schema -> {
            String ref = schema.getRef();
            String name = ref == null ? null : ref.substring(ref.lastIndexOf('/') + 1);
            if (name != null && FRAMEWORK_TYPES.containsKey(name)) {
                Schema plain = FRAMEWORK_TYPES.get(name).get();
                schema.setRef(null);
                schema.setAll(new LinkedHashMap<>(plain.getAll()));
            }
        });
        FRAMEWORK_TYPES.keySet().forEach(api.getComponents()::removeSchema);
    }

    /** A schema and every schema nested in it (not through references). */
    private static void visitSchema(Schema schema, Consumer<Schema> action) {
        Map<Object, Boolean> seen = new IdentityHashMap<>();
        Consumer<Object> walk = new Consumer<>() {
            @Override
            public void accept(Object node) {
                if (node == null || seen.put(node, Boolean.TRUE) != null) {
                    return;
                }
                if (node instanceof Schema nested) {
                    action.accept(nested);
                    nested.getAll().values().forEach(this);
                } else if (node instanceof Map<?, ?> map) {
                    map.values().forEach(this);
                } else if (node instanceof List<?> list) {
                    list.forEach(this);
                }
            }
        };
        walk.accept(schema);
    }

    /** Every schema of the document, nested ones included, each once. */
    static void forEachSchema(OpenAPI api, Consumer<Schema> action) {
        Map<Object, Boolean> seen = new IdentityHashMap<>();
        Consumer<Object> walk = new Consumer<>() {
            @Override
            public void accept(Object node) {
                if (node == null || seen.put(node, Boolean.TRUE) != null) {
                    return;
                }
                if (node instanceof Schema schema) {
                    action.accept(schema);
                    schema.getAll().values().forEach(this);
                } else if (node instanceof Map<?, ?> map) {
                    map.values().forEach(this);
                } else if (node instanceof List<?> list) {
                    list.forEach(this);
                } else if (node instanceof Content content) {
                    accept(content.getMediaTypes());
                } else if (node instanceof MediaType media) {
                    accept(media.getSchema());
                } else if (node instanceof Parameter parameter) {
                    accept(parameter.getSchema());
                    accept(parameter.getContent());
                } else if (node instanceof Header header) {
                    accept(header.getSchema());
                    accept(header.getContent());
                } else if (node instanceof APIResponse response) {
                    accept(response.getHeaders());
                    accept(response.getContent());
                } else if (node instanceof Operation operation) {
                    accept(operation.getParameters());
                    accept(operation.getRequestBody() == null ? null : operation.getRequestBody().getContent());
                    accept(operation.getResponses() == null ? null : operation.getResponses().getAPIResponses());
                } else if (node instanceof PathItem item) {
                    accept(item.getParameters());
                    accept(item.getOperations());
                }
            }
        };
        Components components = api.getComponents();
        if (components != null) {
            walk.accept(components.getSchemas());
            walk.accept(components.getResponses());
            walk.accept(components.getParameters());
            walk.accept(components.getHeaders());
            walk.accept(components.getRequestBodies() == null ? null
                    : components.getRequestBodies().values().stream().map(b -> b.getContent()).toList());
        }
        if (api.getPaths() != null) {
            walk.accept(api.getPaths().getPathItems());
        }
    }

    // --- helpers --------------------------------------------------------------------------------

    private static boolean isApi(String path) {
        return path.startsWith("/v1/") || path.startsWith(VERSION_PREFIX);
    }

    private static void require(OpenAPI api, String... names) {
        for (String name : names) {
            if (api.getComponents() == null || api.getComponents().getSchemas() == null
                    || !api.getComponents().getSchemas().containsKey(name)) {
                throw new IllegalStateException("the OpenAPI scan made no schema " + name
                        + ": a resource must name it with @Schema(implementation = ...)");
            }
        }
    }

    private static Schema ref(String schema) {
        return OASFactory.createSchema().ref("#/components/schemas/" + schema);
    }

    private static Header header(String description, SchemaType type) {
        return OASFactory.createHeader().description(description).schema(OASFactory.createSchema().addType(type));
    }

    private static Header headerRef(String component) {
        return OASFactory.createHeader().ref("#/components/headers/" + component);
    }
}
