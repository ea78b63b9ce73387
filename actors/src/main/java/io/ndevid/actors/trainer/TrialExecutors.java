package io.ndevid.actors.trainer;

import io.ndevid.training.run.RunFolder;
import io.ndevid.training.run.TrainerLoop;
import io.ndevid.training.spec.TrialSpec;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Where a trainer process gets its {@link TrialExecutor}: the one place that wires the actors to the models.
 *
 * <p>{@link #production()} looks, in order, for
 * <ol>
 *   <li>a {@link TrialExecutor} registered with {@link ServiceLoader}
 *       ({@code META-INF/services/io.ndevid.actors.trainer.TrialExecutor}), then</li>
 *   <li>the training module's facade {@code io.ndevid.training.run.Trials} with
 *       {@code public static TrainerLoop newLoop(TrialSpec spec, RunFolder run, TrainerLoop.Listener listener)}
 *       (models + data + hooks for a spec), which it runs with stop requests forwarded to
 *       {@link TrainerLoop#requestStop()},</li>
 * </ol>
 * and fails with a message saying what is missing otherwise. {@link #named} also accepts the name of a class with a
 * public no-argument constructor (tests pass their cheap executors to trainer processes this way).
 */
public final class TrialExecutors {

    public static final String PRODUCTION = "production";
    static final String FACADE = "io.ndevid.training.run.Trials";

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
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("executor class " + name + " needs a public no-argument constructor");
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot create executor " + name + ": " + e);
        }
    }

    /** The executor that trains the real models; see the class comment for how it is found. */
    public static TrialExecutor production() {
        List<TrialExecutor> registered = ServiceLoader.load(TrialExecutor.class).stream()
                .map(ServiceLoader.Provider::get).toList();
        if (registered.size() > 1) {
            throw new IllegalStateException("more than one TrialExecutor is registered with ServiceLoader: "
                    + registered.stream().map(e -> e.getClass().getName()).toList());
        }
        if (registered.size() == 1) {
            return registered.get(0);
        }
        Method newLoop;
        try {
            Class<?> facade = Class.forName(FACADE);
            newLoop = facade.getMethod("newLoop", TrialSpec.class, RunFolder.class, TrainerLoop.Listener.class);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("no production TrialExecutor: the GAN models' facade " + FACADE
                    + " is not on the class path (the models have not landed in this build) and no TrialExecutor is "
                    + "registered with ServiceLoader; run trainers with an executor class instead (--executor CLASS)");
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(FACADE + " has no public static TrainerLoop newLoop(TrialSpec, RunFolder, "
                    + "TrainerLoop.Listener); adapt TrialExecutors.production() to the facade's API");
        }
        if (!Modifier.isStatic(newLoop.getModifiers()) || newLoop.getReturnType() != TrainerLoop.class) {
            throw new IllegalStateException(FACADE + ".newLoop must be static and return TrainerLoop");
        }
        return (spec, runDir, listener, stop) -> {
            TrainerLoop loop;
            try {
                loop = (TrainerLoop) newLoop.invoke(null, spec, new RunFolder(runDir), listener);
            } catch (InvocationTargetException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            }
            stop.onStop(loop::requestStop);
            return loop.run();
        };
    }
}
