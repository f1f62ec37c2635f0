package dev.multiproc.launcher.pool.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import dev.multiproc.IpcException;
import dev.multiproc.wire.RemoteError;
import dev.multiproc.wire.Task;
import dev.multiproc.wire.TaskBatch;
import dev.multiproc.wire.WorkerReport;

import java.util.List;

/**
 * The pool's messages on a worker's channel, one per frame: {@link TaskBatch}es from the pool,
 * {@link WorkerReport}s (ready, initializer error, results) from the worker. A task carries its
 * function's bytes only when the worker does not hold that function yet (see {@link FunctionLru}).
 * Stateless.
 */
final class TaskCodec {
    private TaskCodec() {
    }

    /**
     * Encodes a batch for a worker; the caller holds the worker's send lock.
     *
     * @param slot  the worker, whose functions-sent cache this updates
     * @param batch the tasks
     * @return the frame
     */
    static byte[] encodeBatch(WorkerSlot slot, List<PoolTask> batch) {
        TaskBatch.Builder b = TaskBatch.newBuilder();
        for (PoolTask t : batch) {
            Task.Builder task = b.addTasksBuilder().setTaskId(t.id()).setCallable(t.callable())
                    .setFunctionId(t.functionId());
            if (t.functionId() == 0 || slot.functionsSent.get(t.functionId()) == null) {
                task.setFunction(UnsafeByteOperations.unsafeWrap(t.function()));
                if (t.functionId() != 0) {
                    slot.functionsSent.put(t.functionId(), Boolean.TRUE);
                }
            }
            if (t.inputs().length > 0) {
                task.setPackedInputs(UnsafeByteOperations.unsafeWrap(t.inputs()));
            }
        }
        return b.build().toByteArray();
    }

    /**
     * @param frame a frame from the pool
     * @return its batch
     * @throws IpcException if it is not one
     */
    static TaskBatch decodeBatch(byte[] frame) {
        try {
            return TaskBatch.parseFrom(frame);
        } catch (InvalidProtocolBufferException e) {
            throw new IpcException("corrupt task batch of " + frame.length + " bytes from the pool", e);
        }
    }

    /**
     * @param frame a frame from a worker
     * @return its report
     * @throws InvalidProtocolBufferException if it is not one
     */
    static WorkerReport decodeReport(byte[] frame) throws InvalidProtocolBufferException {
        return WorkerReport.parseFrom(frame);
    }

    /** @return the worker's first report: its initializer ran */
    static byte[] ready() {
        return WorkerReport.newBuilder().setReady(true).build().toByteArray();
    }

    /** @return the worker's only report when its initializer failed */
    static byte[] initError(RemoteError error) {
        return WorkerReport.newBuilder().setInitError(error).build().toByteArray();
    }
}
