package io.ndevid.training.checkpoint;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything needed to continue a trial exactly: the spec (JSON), the iteration reached, and named binary sections
 * (network parameters as DJL writes them, optimizer states, evaluation bookkeeping).
 */
public record Checkpoint(String specJson, long iteration, Map<String, byte[]> sections) {

    public Checkpoint {
        sections = Collections.unmodifiableMap(new LinkedHashMap<>(sections));
    }

    public byte[] section(String name) {
        byte[] b = sections.get(name);
        if (b == null) {
            throw new CheckpointException("checkpoint has no section '" + name + "' (it has " + sections.keySet()
                    + ")");
        }
        return b;
    }
}
