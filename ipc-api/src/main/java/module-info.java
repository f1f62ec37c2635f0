/**
 * The public API of Multiproc ({@code dev.multiproc}), the SPI its transports, shared-memory
 * module and launcher implement ({@code dev.multiproc.spi} and the core they are built from:
 * frames, channels, queues, the brokered queue, waiting, process and file lifetime), and the
 * protobuf control schema ({@code dev.multiproc.wire}, generated at build time). The context and
 * the standard serializer's internals are not exported.
 */
module dev.multiproc.api {
    requires transitive com.google.protobuf;
    requires org.slf4j;

    exports dev.multiproc;
    exports dev.multiproc.spi;
    exports dev.multiproc.spi.auth;
    exports dev.multiproc.spi.broker;
    exports dev.multiproc.spi.channel;
    exports dev.multiproc.spi.frame;
    exports dev.multiproc.spi.log;
    exports dev.multiproc.spi.process;
    exports dev.multiproc.spi.queue;
    exports dev.multiproc.spi.wait;
    exports dev.multiproc.wire;

    uses dev.multiproc.spi.TransportProvider;
    uses dev.multiproc.spi.HandleResolver;
    uses dev.multiproc.spi.SharedObjectsProvider;
    uses dev.multiproc.spi.ProcessLauncher;
    uses dev.multiproc.spi.ManagerProvider;
    uses org.slf4j.spi.SLF4JServiceProvider;
}
