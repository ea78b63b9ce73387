package io.ndevid.actors.trainer;

import io.ndevid.actors.protocol.TrialExecutor;

import java.util.List;
import java.util.ServiceLoader;

/**
 * Finds the {@link TrialExecutor} a trainer process runs: {@code production} (a {@link TrialExecutor} registered with
 * {@link ServiceLoader} if there is exactly one, else {@link ProductionTrialExecutor}: the GAN models with the
 * evaluation protocol), or the name of a class with a public no-argument constructor (tests use cheap ones).
 */
public final class TrialExecutors {

    public static final String PRODUCTION = "production";

    private TrialExecutors() {}

    /** {@code production} or a class name. */
    public static TrialExecutor named(String name) {
        if (name == null || name.isBlank() || name.equals(PRODUCTION)) {
            return production();
        }
        try {
            Class<?> c = Class.forName(name);
            if (!TrialExecutor.class.isAssignableFrom(c)) {
                throw new IllegalArgumentException("executor class " + name + " does not implement "
                        + TrialExecutor.class.getName());
            }
            return (TrialExecutor) c.getConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("executor '" + name + "' is neither '" + PRODUCTION
                    + "' nor a class on the class path");
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("executor class " + name + " needs a public no-argument constructor");
        }
    }

    /** The executor that trains the real models. */
    public static TrialExecutor production() {
        List<TrialExecutor> registered = ServiceLoader.load(TrialExecutor.class).stream()
                .map(ServiceLoader.Provider::get).toList();
        if (registered.size() > 1) {
            throw new IllegalStateException("more than one TrialExecutor is registered with ServiceLoader: "
                    + registered.stream().map(e -> e.getClass().getName()).toList());
        }
        return registered.isEmpty() ? new ProductionTrialExecutor() : registered.get(0);
    }
}
