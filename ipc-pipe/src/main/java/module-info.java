/**
 * The "pipe" transport: pipes over Unix-domain socket pairs (FFM calls to libc, so the JVM needs
 * {@code --enable-native-access=dev.multiproc.pipe}), ends moved between processes with
 * {@code SCM_RIGHTS}, and queues brokered over Unix-domain socket files.
 */
module dev.multiproc.pipe {
    requires transitive dev.multiproc.api;

    exports dev.multiproc.pipe;
    exports dev.multiproc.pipe.queue;

    provides dev.multiproc.spi.TransportProvider with dev.multiproc.pipe.PipeTransport;
    provides dev.multiproc.spi.HandleResolver with dev.multiproc.pipe.PipeHandleResolver,
            dev.multiproc.pipe.queue.PipeQueueResolver;
}
