package dev.multiproc.launcher.internal;

import dev.multiproc.spi.ContextSettings;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How a child JVM is started: this JVM's {@code java}, its class path (manifest-only jars
 * expanded, see {@link ClassPaths}) and module path, the module and native-access options it was
 * started with, its {@code java.library.path} and {@code stdout/stderr.encoding}, the options of
 * {@code -Dmultiproc.jvmOptions}, and extra options given by the caller (a pool passes
 * {@code PoolOptions.jvmOptions()}). Immutable.
 *
 * <p>A child is launched the way this JVM was: when the child's main class is in a named module
 * (the library on the module path), the child runs it with {@code -m module/class} and also
 * resolves this JVM's main module, so the application's own modules (whose classes its tasks
 * and messages name) are in the child's module graph as they are in the parent's.
 */
public final class LaunchSpec {
    /**
     * System property with JVM options for every child ({@link ContextSettings#JVM_OPTIONS}),
     * separated by whitespace, e.g. {@code -Dmultiproc.jvmOptions="-Xmx256m -XX:+UseSerialGC"}; read
     * when a context is created. Children inherit it.
     */
    public static final String JVM_OPTIONS_PROPERTY = ContextSettings.JVM_OPTIONS;

    /**
     * Options of this JVM a child does not get, although it gets every other one (heap, GC,
     * system properties, module and native-access options, as Python's children inherit their
     * parent's settings): debuggers and agents (a second JVM on the same debug port or agent
     * output), flight recordings and logs to a file, AOT and CDS archive options (the launcher
     * chooses a child's own, {@link AotCache}), and the class and module path, which the launcher
     * sets itself.
     */
    private static final List<String> NOT_INHERITED_PREFIXES = List.of(
            "-agentlib:", "-agentpath:", "-javaagent:", "-Xrunjdwp", "-XX:StartFlightRecording",
            "-XX:FlightRecorderOptions", "-XX:AOT", "-XX:SharedArchiveFile", "-XX:ArchiveClassesAtExit",
            "-XX:+AutoCreateSharedArchive", "-Xshare", "-XX:LogFile", "-Xloggc:",
            "-Djava.class.path=", "-Djdk.module.", "-Dsun.java.command=",
            "-D" + SpareJvms.SPARE_PROPERTY + "=", "-D" + AotCache.TRAINING_PROPERTY + "=");
    /** Options not inherited either, matched whole (or followed by {@code =value}). */
    private static final List<String> NOT_INHERITED_OPTIONS = List.of(
            "-Xdebug", "--module-path", "-p", "--class-path", "-cp", "-classpath", "-m", "--module");
    /** Options that may take their value as the next argument. */
    private static final List<String> TWO_TOKEN_OPTIONS = List.of(
            "--add-opens", "--add-exports", "--add-reads", "--add-modules", "--enable-native-access",
            "--limit-modules", "--patch-module", "--upgrade-module-path", "--module-path", "-p", "--class-path",
            "-cp", "-classpath", "-m", "--module");

    /** System properties of this JVM a child gets too, when set. */
    private static final List<String> PROPAGATED_PROPERTIES = List.of(
            "java.library.path", "stdout.encoding", "stderr.encoding");

    /** The library's modules that call libc through FFM. */
    private static final List<String> NATIVE_MODULES = List.of("dev.multiproc.pipe", "dev.multiproc.shm");
    /** SLF4J's own reporting threshold; ERROR hides its "no providers" banner. */
    private static final String SLF4J_VERBOSITY = "slf4j.internal.verbosity";

    private static volatile LaunchSpec inherited;

    private final String javaExecutable;
    private final List<String> classPath;
    /** This JVM's {@code --module-path} as given, or null on the class path alone. */
    private final String modulePath;
    /** This JVM's main module ({@code -m module/class}), or null. */
    private final String mainModule;
    private final List<String> jvmOptions;

    private LaunchSpec(String javaExecutable, List<String> classPath, String modulePath, String mainModule,
                       List<String> jvmOptions) {
        this.javaExecutable = javaExecutable;
        this.classPath = List.copyOf(classPath);
        this.modulePath = modulePath;
        this.mainModule = mainModule;
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    /** @return the spec of a child that inherits from this JVM, with no extra options */
    public static LaunchSpec inherited() {
        LaunchSpec spec = inherited;
        if (spec == null) {
            List<String> options = new ArrayList<>(inheritedOptions(
                    ManagementFactory.getRuntimeMXBean().getInputArguments()));
            // The child's output bytes are copied as they are into this JVM's System.out/err:
            // they must be encoded as this JVM would encode them; and native libraries found alike.
            for (String property : PROPAGATED_PROPERTIES) {
                String value = System.getProperty(property);
                if (value != null && !value.isEmpty()
                        && options.stream().noneMatch(o -> o.startsWith("-D" + property + "="))) {
                    options.add("-D" + property + "=" + value);
                }
            }
            options.addAll(quietDefaults(options, blankToNull(System.getProperty("jdk.module.path")) != null));
            spec = new LaunchSpec(findJavaExecutable(),
                    ClassPaths.ofThisJvm(Thread.currentThread().getContextClassLoader()),
                    blankToNull(System.getProperty("jdk.module.path")), blankToNull(System.getProperty("jdk.module.main")),
                    options);
            inherited = spec;
        }
        return spec;
    }

    /**
     * @param options JVM options to add after the inherited ones (later options win in the JVM)
     * @return a spec with those options too
     */
    public LaunchSpec withJvmOptions(List<String> options) {
        Objects.requireNonNull(options, "options");
        List<String> all = new ArrayList<>(jvmOptions);
        for (String o : options) {
            if (o == null || o.isBlank()) {
                throw new IllegalArgumentException("JVM option must not be null or blank, was '" + o + "' in " + options);
            }
            all.add(o);
        }
        return new LaunchSpec(javaExecutable, classPath, modulePath, mainModule, all);
    }

    /** @return the {@code java} executable children run */
    public String javaExecutable() {
        return javaExecutable;
    }

    /** @return the class-path entries children get */
    public List<String> classPath() {
        return classPath;
    }

    /** @return the JVM options children get, before the context's configured ones */
    public List<String> jvmOptions() {
        return jvmOptions;
    }

    /**
     * @param mainClass  the class whose {@code main} the child runs; in a named module, the child
     *                   runs it as that module's main class
     * @param configured the context's JVM options ({@link ContextSettings#jvmOptions()}), after the inherited ones
     * @return the full command line
     */
    public List<String> command(Class<?> mainClass, List<String> configured) {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable);
        command.addAll(jvmOptions);
        command.addAll(configured);
        if (modulePath != null) {
            command.add("--module-path=" + modulePath);
        }
        Module module = mainClass.getModule();
        if (module.isNamed() && mainModule != null && !mainModule.equals(module.getName())) {
            command.add("--add-modules=" + mainModule);
        }
        if (!classPath.isEmpty()) {
            command.add("-cp");
            command.add(String.join(File.pathSeparator, classPath));
        }
        if (module.isNamed()) {
            command.add("-m");
            command.add(module.getName() + "/" + mainClass.getName());
        } else {
            command.add(mainClass.getName());
        }
        return command;
    }

    /**
     * @param configured the context's JVM options, after the inherited ones
     * @return the command of a child ({@link ChildMain}), with its automatic AOT cache if it has one ({@link AotCache})
     */
    public List<String> childCommand(List<String> configured) {
        return AotCache.apply(command(ChildMain.class, configured));
    }

    /**
     * @param inputArguments this JVM's arguments ({@code RuntimeMXBean.getInputArguments()})
     * @return those a child gets too: all but {@link #NOT_INHERITED_PREFIXES} and logs to a file
     */
    static List<String> inheritedOptions(List<String> inputArguments) {
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < inputArguments.size(); i++) {
            String arg = inputArguments.get(i);
            boolean withValue = TWO_TOKEN_OPTIONS.contains(arg) && i + 1 < inputArguments.size();
            if (notInherited(arg)) {
                if (withValue) {
                    i++;
                }
                continue;
            }
            kept.add(arg);
            if (withValue) {
                kept.add(inputArguments.get(++i));
            }
        }
        return kept;
    }

    private static boolean notInherited(String arg) {
        if (NOT_INHERITED_PREFIXES.stream().anyMatch(arg::startsWith)) {
            return true;
        }
        if (NOT_INHERITED_OPTIONS.stream().anyMatch(o -> arg.equals(o) || arg.startsWith(o + "="))) {
            return true;
        }
        return arg.startsWith("-Xlog:") && arg.contains("file=");
    }

    /**
     * What a child needs so that it prints nothing its program did not ask for, unless this JVM's
     * own options already say otherwise: native access for the modules that call libc (no
     * restricted-method warnings), protobuf's use of {@code sun.misc.Unsafe} allowed (no
     * deprecation warnings), and SLF4J quiet about a missing provider (this JVM said it already).
     *
     * @param inherited  the options the child inherits
     * @param modulePath whether the child runs on the module path
     * @return the options to add
     */
    static List<String> quietDefaults(List<String> inherited, boolean modulePath) {
        List<String> add = new ArrayList<>();
        if (inherited.stream().noneMatch(o -> o.startsWith("--enable-native-access"))) {
            if (!modulePath) {
                add.add("--enable-native-access=ALL-UNNAMED");
            } else {
                List<String> named = NATIVE_MODULES.stream().filter(m -> ModuleLayer.boot().findModule(m).isPresent()).toList();
                if (!named.isEmpty()) {
                    add.add("--enable-native-access=" + String.join(",", named));
                }
            }
        }
        if (inherited.stream().noneMatch(o -> o.startsWith("--sun-misc-unsafe-memory-access"))) {
            add.add("--sun-misc-unsafe-memory-access=allow");
        }
        if (inherited.stream().noneMatch(o -> o.startsWith("-D" + SLF4J_VERBOSITY + "="))) {
            add.add("-D" + SLF4J_VERBOSITY + "=ERROR");
        }
        return add;
    }

    private static String findJavaExecutable() {
        Path fromHome = Path.of(System.getProperty("java.home"), "bin", isWindows() ? "java.exe" : "java");
        if (Files.isExecutable(fromHome)) {
            return fromHome.toString();
        }
        return ProcessHandle.current().info().command().orElseThrow(() -> new IllegalStateException(
                "cannot find the java executable of this JVM: " + fromHome + " is missing and the OS does not say"));
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static boolean isWindows() {
        return System.getProperty("os.name", "").startsWith("Windows");
    }

    @Override
    public String toString() {
        return "LaunchSpec[" + javaExecutable + ", options " + jvmOptions + ", " + classPath.size() + " class-path entries"
                + (modulePath == null ? "" : ", module path " + modulePath) + "]";
    }
}
