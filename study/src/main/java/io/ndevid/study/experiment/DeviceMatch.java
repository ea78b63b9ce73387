package io.ndevid.study.experiment;

import io.ndevid.training.spec.TrialSpec;

import java.util.Collection;
import java.util.Locale;

/**
 * Which trainer slot may run which trial: the one owner of the rule. A slot's device label is {@code cpu} or
 * {@code gpu:<id>}; a trial's {@code device} is {@code cpu} (CPU slots only), {@code gpu} (GPU slots only) or
 * {@code auto} (any slot: the trainer uses its slot's device). Inside a trainer process its slot's GPU is GPU 0, so
 * a trial never names a GPU index ({@link TrialSpec} refuses {@code gpu:1}).
 */
public final class DeviceMatch {

    private DeviceMatch() {}

    /** {@code gpu} or {@code cpu}: the kind of slot a device label names. */
    public static String slotKind(String slotDevice) {
        return slotDevice != null && slotDevice.startsWith("gpu:") ? "gpu" : "cpu";
    }

    /** {@code gpu}, {@code cpu}, or {@code auto}: the kind of slot a trial asks for. */
    public static String trialKind(TrialSpec spec) {
        String d = spec.device().trim().toLowerCase(Locale.ROOT);
        if (d.equals("auto")) {
            return "auto";
        }
        return d.startsWith("gpu") || d.startsWith("cuda") ? "gpu" : "cpu";
    }

    /** Whether a slot with this device label may run the trial. */
    public static boolean accepts(String slotDevice, TrialSpec spec) {
        String want = trialKind(spec);
        return want.equals("auto") || want.equals(slotKind(slotDevice));
    }

    /** Whether any of these slot devices may run the trial. */
    public static boolean anyAccepts(Collection<String> slotDevices, TrialSpec spec) {
        return slotDevices.stream().anyMatch(d -> accepts(d, spec));
    }

    private static final String WAITING = "waiting for a ";

    /** What a trial no slot may run waits for: {@code waiting for a gpu slot}. */
    public static String waiting(TrialSpec spec) {
        return WAITING + trialKind(spec) + " slot";
    }

    /** Whether a trial's status message is {@link #waiting}'s. */
    public static boolean isWaiting(String message) {
        return message != null && message.startsWith(WAITING);
    }
}
