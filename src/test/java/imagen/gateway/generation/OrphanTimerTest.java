package imagen.gateway.generation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import imagen.gateway.api.RequestValidation;
import imagen.gateway.cluster.JobEvent;
import imagen.gateway.request.CallOptions;
import imagen.gateway.request.GenerationRequest;

import io.quarkus.test.junit.QuarkusTest;

/** The orphan check of an unseeded job must not outlive the job: a pending timer keeps it in memory. */
@QuarkusTest
class OrphanTimerTest {

    @Inject
    GenerationService service;

    @Inject
    RequestValidation validation;

    @Inject
    ObjectMapper mapper;

    @Test
    void anUnseededJobArmsItsOrphanCheckAndDisarmsItWhenItEnds() throws Exception {
        GenerationRequest raw = mapper.readValue("{\"prompt\":\"lighthouse at dusk\",\"sampleCount\":1}",
                GenerationRequest.class);
        Job job = service.submit(validation.canonical(raw, CallOptions.fault("delay:300")));
        long armed = job.orphanTimer(-1);
        assertThat(armed).as("armed while nobody watches").isNotNegative();
        job.orphanTimer(armed);

        Job finished = job.whenFinished().await().atMost(Duration.ofSeconds(20));

        assertThat(finished.events().get(finished.events().size() - 1).type()).isEqualTo(JobEvent.DONE);
        assertThat(job.orphanTimer(-1)).as("disarmed once the job ended").isEqualTo(-1);
    }
}
