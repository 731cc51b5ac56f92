package imagen.gateway.generation;

/**
 * What a view of a job shows of its request, wherever the job runs: kept beside a shared log so
 * another instance can show a job it adopts.
 *
 * @param servedBy the Gemini model that serves a retired Imagen model, or null
 */
public record JobInfo(String model, String servedBy, int sampleCount, boolean deterministic) {
}
