package io.ndevid.actors.trainer;

import io.ndevid.training.run.TrainerLoop;
import io.ndevid.training.spec.TrialSpec;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Where a trainer process gets its {@link TrialExecutor}: the one place that wires the actors to the models.
 *
 * <p>{@link #production()} looks, in order, for
 * <ol>
 *   <li>a {@link TrialExecutor} registered with {@link ServiceLoader}
 *       ({@code META-INF/services/io.ndevid.actors.trainer.TrialExecutor}), then</li>
 *   <li>the training module's facade {@code io.ndevid.training.run.Trials}:
 *       {@code static Prepared prepare(TrialSpec, Path runDir, List<TrainerLoop.Hook> extraHooks,
 *       TrainerLoop.Listener)} whose {@code Prepared} (AutoCloseable) has {@code TrainerLoop loop()} and
 *       {@code TrainerLoop.Result run()} — it builds device, data, model and sample hooks for a spec. Stop requests
 *       go to {@link TrainerLoop#requestStop()}. It is looked up reflectively so that this module builds before and
 *       after the models land; {@link #fromFacade} is the adapter,</li>
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
        Class<?> facade;
        try {
            facade = Class.forName(FACADE);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("no production TrialExecutor: the GAN models' facade " + FACADE
                    + " is not on the class path (the models have not landed in this build) and no TrialExecutor is "
                    + "registered with ServiceLoader; run trainers with an executor class instead (--executor CLASS)");
        }
        return fromFacade(facade);
    }

    /**
     * An executor over a facade class shaped like {@code io.ndevid.training.run.Trials} (see the class comment):
     * prepare, register the stop, run, close.
     *
     * @throws IllegalStateException if the facade does not have that shape
     */
    public static TrialExecutor fromFacade(Class<?> facade) {
        Method prepare;
        Method loop;
        Method run;
        try {
            prepare = facade.getMethod("prepare", TrialSpec.class, Path.class, List.class, TrainerLoop.Listener.class);
            if (!Modifier.isStatic(prepare.getModifiers())
                    || !AutoCloseable.class.isAssignableFrom(prepare.getReturnType())) {
                throw new NoSuchMethodException("prepare must be static and return an AutoCloseable");
            }
            loop = prepare.getReturnType().getMethod("loop");
            run = prepare.getReturnType().getMethod("run");
            if (loop.getReturnType() != TrainerLoop.class || run.getReturnType() != TrainerLoop.Result.class) {
                throw new NoSuchMethodException("Prepared needs TrainerLoop loop() and TrainerLoop.Result run()");
            }
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(facade.getName() + " does not have the shape TrialExecutors expects "
                    + "(static Prepared prepare(TrialSpec, Path, List<Hook>, Listener); Prepared.loop(), .run()): "
                    + e.getMessage() + "; adapt TrialExecutors.fromFacade to the facade's API");
        }
        return (spec, runDir, listener, stop) -> {
            Object prepared;
            try {
                prepared = prepare.invoke(null, spec, runDir, List.of(), listener);
            } catch (InvocationTargetException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            }
            try (AutoCloseable closing = (AutoCloseable) prepared) {
                TrainerLoop trainerLoop = (TrainerLoop) loop.invoke(prepared);
                stop.onStop(trainerLoop::requestStop);
                return (TrainerLoop.Result) run.invoke(prepared);
            } catch (InvocationTargetException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            }
        };
    }
}
