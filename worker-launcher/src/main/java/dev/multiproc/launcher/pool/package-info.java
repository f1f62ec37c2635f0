/**
 * The process pool ({@link dev.multiproc.Pool}): worker JVMs that run tasks, and the
 * {@link dev.multiproc.launcher.pool.WorkerPools} factory the launcher's
 * {@code ProcessLauncher.newPool} calls.
 *
 * <p>How it works. Each worker is an {@link dev.multiproc.IpcProcess} (daemon) whose target is
 * a worker loop over a duplex {@link dev.multiproc.Connection} of the pool's transport
 * ({@code PoolOptions.transport()}, else the context's): the pool sends protobuf
 * {@code TaskBatch}es and the worker answers {@code WorkerReport}s of {@code TaskResult}s. A task
 * is one callable or one chunk of a map (as Python counts them for {@code maxTasksPerChild}); a
 * chunk's inputs and outputs travel packed in one field. A map's function is sent once per
 * worker (workers keep the last 64 by id); a lambda that captures nothing is serialized once
 * per pool.
 *
 * <p>Scheduling. The pool assigns tasks to ready workers round-robin; each worker holds at most
 * a window of tasks sized from its measured run time (about 2 ms of queued work, from 1 to 512
 * tasks), so tiny tasks travel in large batches and long ones one at a time. Per worker the pool
 * knows exactly which tasks it holds: when a worker dies (SIGKILL, {@code System.exit}, an
 * {@code OutOfMemoryError} with {@code -XX:+ExitOnOutOfMemoryError}), those tasks, and only
 * those, fail with {@link dev.multiproc.WorkerLostException} naming the worker and its exit
 * code, a new worker is started and the rest runs. Workers that die before they are ready three
 * times in a row, or an initializer that throws, fail the pending tasks instead of restarting
 * forever.
 *
 * <p>Threads (daemon, named {@code multiproc-pool-N-...}): one reader per worker, one
 * dispatcher that writes tasks freed by results (callers write the tasks they submit
 * themselves), a sweeper that has results nobody asked for read within 2 ms, and short-lived
 * starters that start workers in parallel. A caller waiting for a call's result reads its
 * worker's reports itself while no one else needs them. Result callbacks attached without an
 * executor run on the thread that read the result: a reader thread or such a caller.
 *
 * <p>Fast start: workers start in parallel and the pool returns at once; the first task runs as
 * soon as one worker is ready. Worker JVMs take the launcher's options plus
 * {@code PoolOptions.jvmOptions()}, e.g. {@code -XX:SharedArchiveFile=app.jsa
 * -XX:+AutoCreateSharedArchive} (dynamic AppCDS) or {@code -XX:AOTCache=app.aot} (JDK 25 AOT
 * cache), which need a class path of jar files.
 */
package dev.multiproc.launcher.pool;
